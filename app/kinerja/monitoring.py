"""Monitoring of a period for admin kinerja (whole instansi) and leaders (their subtree).

Per unit: pegawai, SKP approved, realisasi filled, penilaian final, fill rates and the kurva;
who is late (batas pengisian passed, penilaian not final); one row per pegawai for the export.
Every figure comes from a few grouped queries over the whole scope, never a query per pegawai.

Two services give a diagram the same data (the pelaporan kinerja process): ``daftar_unit`` lists the
unit kerja of the instansi at a level of the tree, ``penilaian_unit`` the pegawai of one of them with
the predikat of the year's annual penilaian and the angka kredit of the year.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from app.documents import tables
from core.errors import Forbidden, NotFound
from workflows import clock
from workflows.scripting import register_service

from .angka_kredit import AngkaKredit
from .capaian import ADMIN_ROLES, current_by_unor, led_unors
from .kurva import kurva_unit, sebaran_semua
from .org import Jabatan, Pegawai, Unor
from .penilaian import PREDIKAT_LABEL, Penilaian, Periode
from .skp import Skp

SKP_DISETUJUI = ("DISETUJUI", "SELESAI")
REALISASI_TERISI = ("DIISI_PEGAWAI", "DINILAI", "FINAL")
STATUS_LABEL = {"BELUM_DIISI": "Belum diisi", "DIISI_PEGAWAI": "Realisasi terisi", "DINILAI": "Dinilai",
                "FINAL": "Final", "TERKUNCI": "Terkunci", None: "Belum dibuka"}
MENUNGGU = {"BELUM_DIISI": "pegawai", "DIISI_PEGAWAI": "pejabat penilai", "DINILAI": "pejabat penilai",
            "TERKUNCI": "admin kinerja (buka kembali)"}


def scope(session: Session, actor, periode: Periode, unor_id: Optional[int] = None) -> list[Unor]:
    """The units the caller monitors: the whole instansi for an admin kinerja, the subtrees of the
    units he leads for a leader; narrowed to one subtree by ``unor_id`` (404 outside his scope)."""
    unors = session.scalars(select(Unor).where(Unor.instansi_id == periode.instansi_id, Unor.aktif.is_(True))
                            .order_by(Unor.kode)).all()
    children: dict[Optional[int], list[Unor]] = {}
    for u in unors:
        children.setdefault(u.parent_id, []).append(u)

    def subtree(roots):
        out, stack = [], list(roots)
        while stack:
            node = stack.pop()
            if node not in out:
                out.append(node)
                stack.extend(children.get(node.id, []))
        return out

    if actor.has(*ADMIN_ROLES):
        allowed = unors
    else:
        led = led_unors(session, actor.pegawai)
        if not led:
            raise Forbidden("Monitoring hanya untuk admin kinerja dan pimpinan unit kerja")
        allowed = subtree(led)
    if unor_id is not None:
        root = next((u for u in allowed if u.id == unor_id), None)
        if root is None:
            raise NotFound(f"Unit kerja {unor_id} tidak ditemukan")
        allowed = subtree([root])
    return tree_order(allowed)


def tree_order(units: list[Unor]) -> list[Unor]:
    """``units`` parent before children (siblings by kode), each top unit of the list first."""
    present = {u.id for u in units}
    children: dict[Optional[int], list[Unor]] = {}
    for u in sorted(units, key=lambda u: u.kode):
        children.setdefault(u.parent_id if u.parent_id in present else None, []).append(u)
    out: list[Unor] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return out


def depths(units: list[Unor]) -> dict[int, int]:
    """How deep each unit sits below the top units of ``units`` (given parent before children)."""
    depth: dict[int, int] = {}
    for u in units:
        depth[u.id] = depth[u.parent_id] + 1 if u.parent_id in depth else 0
    return depth


def _by_unor(session: Session, query) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def _rate(part: int, whole: int) -> Optional[float]:
    return round(100 * part / whole, 1) if whole else None


def monitoring(session: Session, actor, periode: Periode, unor_id: Optional[int] = None) -> dict:
    units = scope(session, actor, periode, unor_id)
    depth = depths(units)
    ids = [u.id for u in units]
    pegawai = _by_unor(session, select(Jabatan.unor_id, func.count(Pegawai.id))
                       .join(Pegawai, Pegawai.jabatan_id == Jabatan.id)
                       .where(Jabatan.unor_id.in_(ids), Pegawai.status_kepegawaian == "AKTIF")
                       .group_by(Jabatan.unor_id))
    skp = _by_unor(session, select(Skp.unor_id, func.count(Skp.id))
                   .where(Skp.unor_id.in_(ids), Skp.tahun == periode.tahun, Skp.status.in_(SKP_DISETUJUI))
                   .group_by(Skp.unor_id))
    penilaian = _by_unor(session, select(
        Skp.unor_id, func.count(Penilaian.id),
        func.sum(case((Penilaian.status.in_(REALISASI_TERISI), 1), else_=0)),
        func.sum(case((Penilaian.status == "FINAL", 1), else_=0)))
        .join(Skp, Skp.id == Penilaian.skp_id)
        .where(Penilaian.periode_id == periode.id, Skp.unor_id.in_(ids)).group_by(Skp.unor_id))
    counts = sebaran_semua(session, periode.instansi_id, periode.id)
    capaian = current_by_unor(session, periode.instansi_id, periode.id)
    rules_cache: dict = {}
    rows, total = [], {"pegawai": 0, "skp_disetujui": 0, "penilaian": 0, "realisasi_terisi": 0, "penilaian_final": 0}
    for u in units:
        n_pen, n_real, n_final = (int(x or 0) for x in penilaian.get(u.id, (0, 0, 0)))
        row = {"unor_id": u.id, "kode": u.kode, "unor": u.nama, "parent_id": u.parent_id,
               "depth": depth[u.id],
               "pegawai": int(pegawai.get(u.id, (0,))[0]), "skp_disetujui": int(skp.get(u.id, (0,))[0]),
               "penilaian": n_pen, "realisasi_terisi": n_real, "penilaian_final": n_final}
        for key in total:
            total[key] += row[key]
        row.update(_rates(row))
        unit_counts = counts.get(u.id, {})
        row["capaian_organisasi"] = capaian[u.id].predikat if u.id in capaian else None
        row["kurva"] = kurva_unit(session, u, periode, counts=unit_counts,
                                  capaian_predikat=row["capaian_organisasi"], rules_cache=rules_cache) if unit_counts or u.id in capaian else None
        rows.append(row)
    total.update(_rates(total))
    pegawai_rows = daftar_pegawai(session, periode, ids)
    return {"periode": {"id": periode.id, "nama": periode.nama, "tahun": periode.tahun,
                        "batas_pengisian": periode.batas_pengisian.isoformat()},
            "batas_terlewat": clock.today() > periode.batas_pengisian, "unit": rows, "total": total,
            "terlambat": [p for p in pegawai_rows if p["terlambat"]], "pegawai": pegawai_rows}


def _rates(row: dict) -> dict:
    return {"persen_skp_disetujui": _rate(row["skp_disetujui"], row["pegawai"]),
            "persen_realisasi_terisi": _rate(row["realisasi_terisi"], row["penilaian"]),
            "persen_penilaian_final": _rate(row["penilaian_final"], row["penilaian"])}


def daftar_pegawai(session: Session, periode: Periode, unor_ids: list[int]) -> list[dict]:
    """One row per active pegawai of the units: SKP status, penilaian status, predikat, late or not.

    Two queries (the pegawai; their SKP of the year with the period's penilaian) merged here: joined
    in one statement, SQLite walks the SKP of the whole year once per pegawai (see bench/monitoring.py)."""
    penilai = aliased(Pegawai)
    late = clock.today() > periode.batas_pengisian
    in_scope = (select(Pegawai.id).join(Jabatan, Jabatan.id == Pegawai.jabatan_id)
                .where(Jabatan.unor_id.in_(unor_ids), Pegawai.status_kepegawaian == "AKTIF"))
    pegawai = session.execute(
        select(Pegawai.id, Pegawai.nip, Pegawai.nama, Pegawai.gelar_depan, Pegawai.gelar_belakang, Jabatan.nama,
               Unor.nama)
        .join(Jabatan, Jabatan.id == Pegawai.jabatan_id).join(Unor, Unor.id == Jabatan.unor_id)
        .where(Pegawai.id.in_(in_scope)).order_by(Unor.kode, Pegawai.nip)).all()
    evaluated = {row[0]: row[1:] for row in session.execute(
        select(Skp.pegawai_id, Skp.status, Penilaian.status, Penilaian.predikat, penilai.nama)
        .outerjoin(Penilaian, and_(Penilaian.skp_id == Skp.id, Penilaian.periode_id == periode.id))
        .outerjoin(penilai, penilai.id == Penilaian.penilai_id)
        .where(Skp.tahun == periode.tahun, Skp.status != "DIBATALKAN", Skp.pegawai_id.in_(in_scope))
        .order_by(Skp.id))}  # a pegawai with two SKP in the year (mutation): the newer one
    out = []
    for pegawai_id, nip, nama, depan, belakang, jabatan, unor in pegawai:
        skp_status, status, predikat, penilai_nama = evaluated.get(pegawai_id, (None, None, None, None))
        nama_lengkap = f"{depan + ' ' if depan else ''}{nama}{', ' + belakang if belakang else ''}"
        out.append({"nip": nip, "nama": nama_lengkap, "jabatan": jabatan, "unor": unor, "status_skp": skp_status,
                    "status_penilaian": status, "status_label": STATUS_LABEL.get(status, status),
                    "predikat": predikat, "predikat_label": PREDIKAT_LABEL.get(predikat, ""),
                    "pejabat_penilai": penilai_nama,
                    "terlambat": bool(late and status is not None and status != "FINAL"),
                    "menunggu": MENUNGGU.get(status, "") if status != "FINAL" else ""})
    return out


# ------------------------------------------------------------------ services of the diagrams


def units_of_instansi(session: Session, instansi_id: int) -> list[Unor]:
    return tree_order(list(session.scalars(select(Unor).where(Unor.instansi_id == instansi_id,
                                                              Unor.aktif.is_(True)))))


def subtree_ids(units: list[Unor], root_id: int) -> list[int]:
    """``root_id`` and every unit under it among ``units`` (given parent before children)."""
    found = {root_id}
    for u in units:
        if u.parent_id in found:
            found.add(u.id)
    return [u.id for u in units if u.id in found]


@register_service("daftar_unit")
def daftar_unit(run, data: dict, tingkat: int = 1) -> list[dict]:
    """The unit kerja of the instance's instansi that report separately: every unit ``tingkat`` levels
    below the top (with the units under it, ``subunit``), and every unit above that level that has pegawai
    of its own (only those). Units without any active pegawai are left out."""
    session, instansi_id = run.session, run.instance.instansi_id or data.get("instansi_id")
    if instansi_id is None:
        raise ValueError("proses ini tidak menyebut instansi")
    units = units_of_instansi(session, instansi_id)
    depth = depths(units)
    own = _by_unor(session, select(Jabatan.unor_id, func.count(Pegawai.id))
                   .join(Pegawai, Pegawai.jabatan_id == Jabatan.id)
                   .where(Jabatan.unor_id.in_([u.id for u in units]), Pegawai.status_kepegawaian == "AKTIF")
                   .group_by(Jabatan.unor_id))
    out = []
    for u in units:
        if depth[u.id] > int(tingkat):
            continue
        subunit = depth[u.id] == int(tingkat)
        count = sum(int(own.get(i, (0,))[0]) for i in (subtree_ids(units, u.id) if subunit else [u.id]))
        if count:
            out.append({"unor_id": u.id, "kode": u.kode, "nama": u.nama, "subunit": subunit, "jumlah_pegawai": count})
    return out


def _angka_kredit_tahun(session: Session, nips: list[str], tahun: int) -> dict[str, float]:
    """The angka kredit a jabatan fungsional pegawai earned in the year (0 when none yet), by NIP."""
    jf = set(session.scalars(select(Pegawai.nip).join(Jabatan, Jabatan.id == Pegawai.jabatan_id)
                             .where(Pegawai.nip.in_(nips), Jabatan.jenis_jabatan == "FUNGSIONAL")))
    earned = dict(session.execute(
        select(Pegawai.nip, func.sum(AngkaKredit.ak)).join(AngkaKredit, AngkaKredit.pegawai_id == Pegawai.id)
        .where(Pegawai.nip.in_(nips), AngkaKredit.sumber == "PENILAIAN",
               AngkaKredit.periode_awal >= dt.date(tahun, 1, 1), AngkaKredit.periode_awal <= dt.date(tahun, 12, 31))
        .group_by(Pegawai.nip)).all())
    return {nip: round(float(earned.get(nip) or 0), 3) for nip in nips if nip in jf or nip in earned}


@register_service("penilaian_unit")
def penilaian_unit(run, data: dict, unor_id: int, tahun: int, subunit: bool = True) -> list[dict]:
    """One row per active pegawai of the unit (and the units under it, with ``subunit``): NIP, nama,
    jabatan, unit, periode, status of the annual penilaian, predikat (only when final), angka kredit
    (jabatan fungsional only)."""
    session = run.session
    unit = session.get(Unor, unor_id) if isinstance(unor_id, int) else None
    if unit is None or (run.instance.instansi_id is not None and unit.instansi_id != run.instance.instansi_id):
        raise ValueError(f"unit {unor_id!r} tidak ada di instansi proses ini")
    periode = session.scalar(select(Periode).where(Periode.instansi_id == unit.instansi_id, Periode.tahun == int(tahun),
                                                   Periode.jenis == "TAHUNAN").order_by(Periode.id).limit(1))
    if periode is None:
        raise ValueError(f"instansi belum memiliki periode penilaian tahunan {tahun}")
    ids = subtree_ids(units_of_instansi(session, unit.instansi_id), unit.id) if subunit else [unit.id]
    rows = daftar_pegawai(session, periode, ids)
    ak = _angka_kredit_tahun(session, [r["nip"] for r in rows], int(tahun))
    return [{"nip": r["nip"], "nama": r["nama"], "jabatan": r["jabatan"], "unit": r["unor"], "periode": periode.nama,
             "status": r["status_label"], "final": r["status_penilaian"] == "FINAL",
             "predikat": r["predikat_label"] if r["status_penilaian"] == "FINAL" else "",
             "angka_kredit": ak.get(r["nip"])} for r in rows]


# ------------------------------------------------------------------ export

UNIT_COLUMNS = [("kode", "Kode unit"), ("unor", "Unit kerja"), ("pegawai", "Pegawai"),
                ("skp_disetujui", "SKP disetujui"), ("persen_skp_disetujui", "% SKP disetujui"),
                ("penilaian", "Penilaian dibuka"), ("realisasi_terisi", "Realisasi terisi"),
                ("persen_realisasi_terisi", "% realisasi terisi"), ("penilaian_final", "Penilaian final"),
                ("persen_penilaian_final", "% penilaian final"), ("capaian_organisasi", "Capaian organisasi"),
                ("pelanggaran_kurva", "Pelanggaran kurva")]
PEGAWAI_COLUMNS = [("nip", "NIP"), ("nama", "Nama"), ("jabatan", "Jabatan"), ("unor", "Unit kerja"),
                   ("status_skp", "Status SKP"), ("status_label", "Status penilaian"), ("predikat_label", "Predikat"),
                   ("pejabat_penilai", "Pejabat penilai"), ("terlambat", "Terlambat"), ("menunggu", "Menunggu")]


def _unit_values(row: dict) -> list:
    values = {**row, "pelanggaran_kurva": "; ".join(v["pesan"] for v in (row["kurva"] or {}).get("pelanggaran", []))}
    return [values.get(key) if values.get(key) is not None else "" for key, _ in UNIT_COLUMNS]


def _pegawai_values(row: dict) -> list:
    return [("Ya" if row[key] else "Tidak") if key == "terlambat" else (row[key] or "") for key, _ in PEGAWAI_COLUMNS]


def to_csv(data: dict) -> bytes:
    """One row per pegawai; every text cell quoted, so a NIP stays text in a spreadsheet."""
    return tables.csv_bytes([label for _, label in PEGAWAI_COLUMNS], [_pegawai_values(r) for r in data["pegawai"]])


def to_xlsx(data: dict) -> bytes:
    """Two sheets, Unit and Pegawai (openpyxl write-only); NIP cells are strings formatted as text."""
    book = tables.workbook()
    tables.add_sheet(book, "Unit", [label for _, label in UNIT_COLUMNS], [_unit_values(r) for r in data["unit"]])
    tables.add_sheet(book, "Pegawai", [label for _, label in PEGAWAI_COLUMNS],
                     [[str(v[0]), *v[1:]] for v in map(_pegawai_values, data["pegawai"])], text={0})
    return tables.save(book)
