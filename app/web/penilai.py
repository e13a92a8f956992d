"""Pages: the PPK and the pejabat penilai set by the admin kinerja (sections of the Organisasi page), and
"Persetujuan massal" where a pejabat penilai approves several submitted SKP at once."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app import get_session
from app.kinerja import massal, penilai, penilai_admin

from . import web


@web.post("/organisasi/ppk")
def organisasi_ppk():
    body = {k: request.form.get(k, "").strip() for k in ("nama", "jabatan", "mode", "nip", "id_login")}
    body["kata_sandi"] = request.form.get("kata_sandi", "")
    row, moved = penilai_admin.simpan_ppk(get_session(), g.actor, body, current_app.config["PASSWORD_HASH_FAST"])
    count = len((moved or {}).get("tugas_dialihkan") or [])
    flash(f"PPK {row.pegawai.nama_lengkap} ({row.jabatan}) disimpan, mode {row.mode}"
          + (f"; {count} tugas terbuka dialihkan" if count else ""), "success")
    return redirect(url_for("web.organisasi_page") + "#ppk")


@web.post("/organisasi/pejabat-penilai")
def organisasi_pejabat_penilai():
    body = {"penilai_nip": request.form.get("penilai_nip", "").strip(), "alasan": request.form.get("alasan", "")}
    pegawai, moved = penilai_admin.tetapkan(get_session(), g.actor, request.form.get("nip", "").strip(), body, "HALAMAN")
    count = len(moved.get("tugas_dialihkan") or [])
    now = penilai.view(get_session(), pegawai)["pejabat_penilai"]
    flash(f"Pejabat penilai {pegawai.nama_lengkap}: {now['nama'] if now else 'belum ada'}"
          + (f"; {count} tugas terbuka dialihkan" if count else ""), "success")
    return redirect(url_for("web.organisasi_page") + "#pejabat-penilai")


@web.app_template_global("identitas_penilai")
def identitas_penilai(skp) -> dict | None:
    """The SKP's pejabat penilai as printed (a PPK: name and jabatan, NIP only if he has one)."""
    from app.kinerja.skp import identity

    return identity(get_session(), skp.pejabat_penilai)


def _bulk_page(results=None, posted=None):
    db = get_session()
    rows = massal.skp_menunggu(db, g.actor.id)
    return render_template("persetujuan_massal.html", rows=rows, results=results, posted=posted or {},
                           ppk=any(r["ppk"] for r in rows))


@web.get("/persetujuan-massal")
def persetujuan_massal():
    return _bulk_page()


@web.post("/persetujuan-massal")
def persetujuan_massal_kirim():
    chosen = [t for t in request.form.getlist("task_id") if t.strip()]
    if not chosen:
        flash("Pilih minimal satu SKP yang akan disetujui.", "error")
        return _bulk_page(), 422
    data = {"keputusan": "SETUJUI"}
    for key in ("catatan", "nomor_keputusan", "tanggal_keputusan"):
        if request.form.get(key, "").strip():
            data[key] = request.form.get(key, "").strip()
    db = get_session()
    titles = {r["task"].id: r["task"].title for r in massal.skp_menunggu(db, g.actor.id)}
    result = massal.selesaikan(db, g.actor.id, {"items": [{"task_id": t, "data": data} for t in chosen]})
    for row in result["hasil"]:
        row["judul"] = titles.get(row["task_id"], row["task_id"])
    return _bulk_page(results=result, posted=data)
