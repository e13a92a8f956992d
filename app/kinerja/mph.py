"""Matriks Peran Hasil (domain §1.2 MPH, §5.9): a leader distributes each RHK of their SKP to subordinates.

Columns are the leader's RHK (with their IKI), rows the subordinates the leader evaluates, and a
cell says the subordinate's role (``peran``) and expected result (``hasil``) for that RHK. A
subordinate's new SKP starts from their cells: one RHK per cell, the result as its description and
``rhk_atasan_id`` already linked to the leader's RHK (a draft link is fine, see ``cascade``).
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, write_transaction
from core.errors import Conflict, Forbidden, ValidationFailed

from . import org
from .org import Pegawai, Unor
from .skp import Rhk, Skp, identity


class MphSel(Base):
    __tablename__ = "mph_sel"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id", ondelete="CASCADE"), index=True)  # the leader's SKP
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id", ondelete="CASCADE"))
    bawahan_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    peran: Mapped[str] = mapped_column(Text, default="")
    hasil: Mapped[str] = mapped_column(Text)

    rhk: Mapped[Rhk] = relationship()
    bawahan: Mapped[Pegawai] = relationship()
    __table_args__ = (UniqueConstraint("rhk_id", "bawahan_id"),)


def bawahan_of(session: Session, skp: Skp) -> list[Pegawai]:
    """Active pegawai in the units below the leader whose pejabat penilai is the SKP's pegawai."""
    leader = skp.pegawai
    if leader.jabatan is None:
        return []
    top = leader.jabatan.unor
    units = [u.id for u in session.scalars(select(Unor).where(Unor.instansi_id == leader.instansi_id))
             if top in u.ancestors()]
    candidates = session.scalars(select(Pegawai).join(org.Jabatan, Pegawai.jabatan_id == org.Jabatan.id)
                                 .where(org.Jabatan.unor_id.in_(units), Pegawai.id != leader.id,
                                        Pegawai.status_kepegawaian == "AKTIF").order_by(Pegawai.nama))
    return [p for p in candidates if (penilai := org.pejabat_penilai(session, p)) is not None and penilai.id == leader.id]


def matriks(session: Session, skp: Skp) -> dict:
    cells = {(c.bawahan_id, c.rhk_id): c for c in session.scalars(select(MphSel).where(MphSel.skp_id == skp.id))}
    people = bawahan_of(session, skp)
    people += [c.bawahan for c in cells.values() if c.bawahan not in people]  # moved away since: still shown
    return {"skp_id": skp.id, "tahun": skp.tahun, "status": skp.status, "pimpinan": identity(session, skp.pegawai),
            **matrix_dict(list(skp.rhk), people, cells)}


def matrix_dict(columns: list[Rhk], people: list[Pegawai], cells: dict) -> dict:
    """Columns (RHK with their IKI) and rows (people with one cell per column) of a matrix whose cells are
    keyed ``(pegawai id, rhk id)`` (also the tim kerja's matrix)."""
    return {
        "kolom": [{"rhk_id": r.id, "deskripsi": r.deskripsi, "iki": [i.indikator for i in r.iki]} for r in columns],
        "baris": [{"nip": p.nip, "nama": p.nama_lengkap, "jabatan": p.jabatan.nama if p.jabatan else "",
                   "sel": [{"rhk_id": r.id, "peran": cells[(p.id, r.id)].peran, "hasil": cells[(p.id, r.id)].hasil}
                           if (p.id, r.id) in cells else {"rhk_id": r.id, "peran": "", "hasil": ""} for r in columns]}
                  for p in people],
    }


def simpan(session: Session, actor, skp: Skp, body: dict) -> None:
    """Replace the matrix with the cells sent (``{"sel": [{"rhk_id", "nip", "peran", "hasil"}]}``), in its own
    write transaction (the API and the page)."""
    with write_transaction(session):
        tulis(session, actor.id, skp, body)


def tulis(session: Session, actor_id: int, skp: Skp, body: dict) -> None:
    """Check and write the cells in the caller's transaction (also what a dialog kinerja form would call)."""
    if actor_id != skp.pegawai_id:
        raise Forbidden("Hanya pemilik SKP (pimpinan) yang menyusun matriks peran hasil")
    if skp.status in ("SELESAI", "DIBATALKAN"):
        raise Conflict(f"SKP berstatus {skp.status} tidak dapat diubah matriksnya")
    people = {p.nip: p for p in bawahan_of(session, skp)}
    cells = [MphSel(skp_id=skp.id, rhk_id=c["rhk_id"], bawahan_id=c["pegawai"].id, peran=c["peran"], hasil=c["hasil"])
             for c in read_cells(body, {r.id for r in skp.rhk}, people, "bukan RHK dari SKP ini",
                                "bukan bawahan yang dinilai pemilik SKP ini")]
    session.execute(delete(MphSel).where(MphSel.skp_id == skp.id))
    session.add_all(cells)
    session.flush()


def read_cells(body: dict, rhk_ids: set[int], people: dict[str, Pegawai], not_a_column: str,
               not_a_row: str) -> list[dict]:
    """The cells sent (``{"sel": [{"rhk_id", "nip", "peran", "hasil"}]}``) checked against the matrix's columns
    and rows: ``[{"rhk_id", "pegawai", "peran", "hasil"}]``, or ValidationFailed naming every wrong field."""
    items = body.get("sel") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ValidationFailed({"sel": "wajib diisi dengan daftar sel"})
    fields: dict[str, str] = {}
    cells, seen = [], set()
    for i, item in enumerate(items):
        where = f"sel[{i}]"
        if not isinstance(item, dict):
            fields[where] = "harus berupa objek"
            continue
        rhk_id, nip = item.get("rhk_id"), item.get("nip")
        rhk_id = rhk_id if isinstance(rhk_id, int) and not isinstance(rhk_id, bool) else None
        nip = nip if isinstance(nip, str) else None
        if rhk_id not in rhk_ids:
            fields[f"{where}.rhk_id"] = not_a_column
        if nip not in people:
            fields[f"{where}.nip"] = not_a_row
        hasil, peran = item.get("hasil"), item.get("peran", "")
        if not isinstance(hasil, str) or not hasil.strip():
            fields[f"{where}.hasil"] = "wajib diisi"
        if not isinstance(peran, str):
            fields[f"{where}.peran"] = "harus berupa teks"
        key = (nip, rhk_id)
        if key in seen:
            fields[where] = "sel ganda untuk pegawai dan RHK yang sama"
        seen.add(key)
        if not any(k.startswith(where) for k in fields):
            cells.append({"rhk_id": rhk_id, "pegawai": people[nip], "peran": peran.strip(),
                          "hasil": hasil.strip()})
    if fields:
        raise ValidationFailed(fields)
    return cells


def prefill(session: Session, skp: Skp, leaders: set[int]) -> int:
    """Start a subordinate's new SKP from the matrix cells of their leaders' SKP of the same year."""
    if skp.is_jpt or skp.rhk or not leaders:
        return 0
    cells = list(session.scalars(select(MphSel).join(Skp, MphSel.skp_id == Skp.id).where(
        MphSel.bawahan_id == skp.pegawai_id, Skp.tahun == skp.tahun, Skp.pegawai_id.in_(leaders),
        Skp.status != "DIBATALKAN").order_by(Skp.id, MphSel.rhk_id)))
    for i, cell in enumerate(cells):
        skp.rhk.append(Rhk(urutan=i + 1, jenis="UTAMA", deskripsi=cell.hasil, rhk_atasan_id=cell.rhk_id,
                           rhk_atasan_text="", penugasan_dari="", iki=[]))
    session.flush()
    return len(cells)
