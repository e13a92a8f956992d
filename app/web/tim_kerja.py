"""Pages of the tim kerja: the list per unit (and the instansi's setting), one team with its RHK and members,
the team's matriks peran hasil and the rencana aksi of the anggota with the ketua's umpan balik."""
from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for

from app import get_session
from app.documents import mph as mph_document
from app.kinerja import tim_kerja
from app.request_input import as_id, int_arg
from core.errors import ValidationFailed
from workflows import clock

from . import web
from .common import parse_id
from .matriks import matrix_page
from .organisasi import _periods_and_chosen


def _list(errors=None, form=None, status=200):
    session = get_session()
    tahun = int_arg(request.args, "tahun", clock.today().year, 2000, 2100, "angka tahun")
    rows = tim_kerja.daftar(session, g.actor, tahun, None)
    return render_template("tim_kerja_list.html", tahun=tahun, tim=[tim_kerja.as_dict(session, t) for t in rows],
                           units=tim_kerja.unit_yang_dikelola(session, g.actor), errors=errors or {},
                           form=form or {"tahun": tahun}, instansi=g.actor.pegawai.instansi), status


@web.get("/tim-kerja")
def tim_kerja_list():
    return _list()


@web.post("/tim-kerja")
def tim_kerja_create():
    form = {"unor_id": request.form.get("unor_id", ""), "nama": request.form.get("nama", ""),
            "tahun": request.form.get("tahun", "")}
    try:
        tim = tim_kerja.buat(get_session(), g.actor, form)
    except ValidationFailed as exc:
        return _list(exc.fields, form, 422)
    flash(f"Tim kerja {tim.nama} dibentuk. Pilih RHK tim dan tambahkan ketua serta anggota.", "success")
    return redirect(url_for("web.tim_kerja_detail", tim_id=tim.id))


@web.post("/tim-kerja/pengaturan")
def tim_kerja_setting():
    value, moved = tim_kerja.atur_penilai(get_session(), g.actor,
                                          {"ketua_sebagai_penilai": request.form.get("ketua_sebagai_penilai") == "ya"})
    count = len(moved.get("tugas_dialihkan") or [])
    flash(("Ketua tim kini pejabat penilai anggotanya" if value else "Pejabat penilai kembali menurut struktur") +
          (f"; {count} tugas terbuka dialihkan" if count else ""), "success")
    return redirect(url_for("web.tim_kerja_list"))


def _detail(tim_id: int, errors=None, form=None, status=200):
    session = get_session()
    session.expire_all()
    tim = tim_kerja.get_tim(session, g.actor, tim_id)
    data = tim_kerja.as_dict(session, tim, g.actor)
    pilihan = tim_kerja.pilihan_rhk(session, tim.unor, tim.tahun) if data["dapat_mengelola"] else []
    return render_template("tim_kerja_detail.html", tim=data, pilihan=pilihan, errors=errors or {},
                           form=form or {}, peran=tim_kerja.PERAN,
                           dapat_matriks=tim_kerja.may_edit_matriks(session, g.actor, tim)), status


@web.get("/tim-kerja/<tim_id>")
def tim_kerja_detail(tim_id):
    return _detail(parse_id(tim_id))


@web.post("/tim-kerja/<tim_id>/ubah")
def tim_kerja_update(tim_id):
    body = {"nama": request.form.get("nama", ""), "rhk_ids": request.form.getlist("rhk_ids")}
    try:
        tim_kerja.ubah(get_session(), g.actor, parse_id(tim_id), body)
    except ValidationFailed as exc:
        return _detail(parse_id(tim_id), exc.fields, body, 422)
    flash("Tim kerja disimpan.", "success")
    return redirect(url_for("web.tim_kerja_detail", tim_id=tim_id))


def _moved(result: dict) -> str:
    count = len(result.get("tugas_dialihkan") or []) + len(result.get("instance_dilanjutkan") or [])
    return f"; {count} tugas terbuka dialihkan atau dilanjutkan" if count else ""


@web.post("/tim-kerja/<tim_id>/anggota")
def tim_kerja_add_member(tim_id):
    body = {key: request.form.get(key, "") for key in ("nip", "peran", "mulai", "selesai")}
    try:
        row, moved = tim_kerja.tambah_anggota(get_session(), g.actor, parse_id(tim_id), body)
    except ValidationFailed as exc:
        return _detail(parse_id(tim_id), exc.fields, body, 422)
    flash(f"{row.pegawai.nama_lengkap} ditambahkan sebagai {tim_kerja.PERAN[row.peran].lower()}{_moved(moved)}.",
          "success")
    return redirect(url_for("web.tim_kerja_detail", tim_id=tim_id) + "#anggota")


@web.post("/tim-kerja/<tim_id>/anggota/<anggota_id>/akhiri")
def tim_kerja_end_member(tim_id, anggota_id):
    row, moved = tim_kerja.akhiri_anggota(get_session(), g.actor, parse_id(tim_id), parse_id(anggota_id),
                                          {"selesai": request.form.get("selesai", "")})
    flash(f"Keanggotaan {row.pegawai.nama_lengkap} berakhir {row.selesai.isoformat()}{_moved(moved)}.", "success")
    return redirect(url_for("web.tim_kerja_detail", tim_id=tim_id) + "#anggota")


@web.route("/tim-kerja/<tim_id>/matriks", methods=["GET", "POST"])
def tim_kerja_matriks(tim_id):
    session = get_session()
    tim = tim_kerja.get_tim(session, g.actor, parse_id(tim_id))
    return matrix_page(
        tim_kerja.matriks(session, tim), lambda cells: tim_kerja.simpan_matriks(session, g.actor, tim.id, {"sel": cells}),
        url_for("web.tim_kerja_matriks", tim_id=tim.id), "Matriks peran hasil tim disimpan.",
        tim_kerja.may_edit_matriks(session, g.actor, tim),
        judul=f"Matriks peran hasil {tim.nama} {tim.tahun}",
        pengantar="Ketua tim membagikan setiap RHK tim kepada anggota: peran dan hasil yang diharapkan. SKP anggota "
                  "yang dibuat sesudahnya berisi RHK dari hasil tersebut, sudah terhubung ke RHK tim.",
        kosong_kolom="Tim ini belum memiliki RHK.", kosong_baris="Tim ini belum memiliki anggota.",
        unduh=lambda fmt: url_for("web.tim_kerja_matriks_document", tim_id=tim.id, fmt=fmt),
        kembali=("Kembali ke tim", url_for("web.tim_kerja_detail", tim_id=tim.id)))


@web.get("/tim-kerja/<tim_id>/matriks.<fmt>")
def tim_kerja_matriks_document(tim_id, fmt):
    session = get_session()
    content, media_type, filename = mph_document.download_tim(
        session, tim_kerja.get_tim(session, g.actor, parse_id(tim_id)), fmt)
    return Response(content, mimetype=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@web.route("/tim-kerja/<tim_id>/rencana-aksi", methods=["GET", "POST"])
def tim_kerja_rencana_aksi(tim_id):
    session = get_session()
    tim = tim_kerja.get_tim(session, g.actor, parse_id(tim_id))
    periods, periode = _periods_and_chosen()
    periods = [p for p in periods if p.tahun == tim.tahun]
    if periode is not None and periode.tahun != tim.tahun:
        periode = next((p for p in periods if p.dibuka_at), periods[0] if periods else None)
    errors, status = {}, 200
    if request.method == "POST":
        body = {"realisasi_id": request.form.get("realisasi_id", ""), "teks": request.form.get("teks", "")}
        try:
            tim_kerja.beri_umpan_balik(session, g.actor, tim.id, body)
        except ValidationFailed as exc:
            errors, status = {as_id(body["realisasi_id"]) or 0: exc.fields}, 422
        else:
            flash("Umpan balik disimpan.", "success")
            return redirect(url_for("web.tim_kerja_rencana_aksi", tim_id=tim.id, periode_id=periode.id if periode
                                    else None) + f"#realisasi-{body['realisasi_id']}")
    data = tim_kerja.rencana_aksi(session, g.actor, tim.id, periode.id) if periode else None
    return render_template("tim_kerja_rencana_aksi.html", tim=tim, periods=periods, periode=periode, data=data,
                           errors=errors), status
