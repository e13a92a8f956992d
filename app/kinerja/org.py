"""Organisation: instansi, unor tree, jabatan, pegawai, PLT/PLH, and who evaluates whom.

The pejabat penilai kinerja is "atasan langsung Pegawai dengan ketentuan paling rendah
pejabat pengawas" (PermenPANRB 6/2022 Pasal 1 angka 9, domain §2.1): the nearest leader
up the unor tree whose jabatan is Pengawas or higher, the acting PLT/PLH of a leader
position included, unless an admin set an explicit override on the pegawai, or the instansi made
ketua tim the pejabat penilai of their anggota (``Instansi.ketua_tim_penilai``, tim_kerja).
"""
from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Optional

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, and_, bindparam, false, inspect,
                        or_, select)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship

from core.db import Base
from core.memo import keep_loaded, remember, remembered, remembered_many, watch
from workflows import clock

JENIS_JABATAN = ("JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA", "ADMINISTRATOR", "PENGAWAS", "PELAKSANA", "FUNGSIONAL")
JPT = ("JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA")
# May act as pejabat penilai kinerja (Pengawas or higher).
PENILAI_LEVEL = JPT + ("ADMINISTRATOR", "PENGAWAS")
JF_JENJANG = ("AHLI_PERTAMA", "AHLI_MUDA", "AHLI_MADYA", "AHLI_UTAMA", "PEMULA", "TERAMPIL", "MAHIR", "PENYELIA")
# accounts that administer the kinerja of an instansi (admin kinerja: their own; superadmin: every one)
ADMIN_ROLES = ("admin_kinerja", "superadmin")
STATUS_KEPEGAWAIAN = ("AKTIF", "CLTN", "TUBEL", "MPP", "DIBERHENTIKAN_SEMENTARA", "PENSIUN")
LABEL_JENIS_JABATAN = {
    "JPT_UTAMA": "JPT Utama", "JPT_MADYA": "JPT Madya", "JPT_PRATAMA": "JPT Pratama",
    "ADMINISTRATOR": "Administrator", "PENGAWAS": "Pengawas", "PELAKSANA": "Pelaksana",
    "FUNGSIONAL": "Fungsional",
}


class Instansi(Base):
    __tablename__ = "instansi"
    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str] = mapped_column(String(32), unique=True)
    nama: Mapped[str] = mapped_column(String(255))
    jenis: Mapped[str] = mapped_column(String(16), default="DAERAH")  # PUSAT | DAERAH
    lokasi: Mapped[str] = mapped_column(String(120), default="")  # place printed above signatures
    # The instansi decided that a ketua tim evaluates the anggota of the team (tim_kerja; default: no).
    ketua_tim_penilai: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Unor(Base):
    __tablename__ = "unor"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unor.id"), index=True)
    kode: Mapped[str] = mapped_column(String(64))
    nama: Mapped[str] = mapped_column(String(255))
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)

    instansi: Mapped[Instansi] = relationship()
    parent: Mapped[Optional["Unor"]] = relationship(remote_side=[id])
    __table_args__ = (UniqueConstraint("instansi_id", "kode"),)

    def ancestors(self) -> list["Unor"]:
        """This unor and every unor above it, nearest first."""
        chain, node = [], self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain


class Jabatan(Base):
    __tablename__ = "jabatan"
    id: Mapped[int] = mapped_column(primary_key=True)
    unor_id: Mapped[int] = mapped_column(ForeignKey("unor.id"), index=True)
    nama: Mapped[str] = mapped_column(String(255))
    jenis_jabatan: Mapped[str] = mapped_column(String(16))
    jf_jenjang: Mapped[Optional[str]] = mapped_column(String(16))
    is_pimpinan_unor: Mapped[bool] = mapped_column(Boolean, default=False)

    unor: Mapped[Unor] = relationship()

    @property
    def is_jpt(self) -> bool:
        return self.jenis_jabatan in JPT


class Pegawai(Base):
    __tablename__ = "pegawai"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    jenis_asn: Mapped[str] = mapped_column(String(8), default="PNS")
    nama: Mapped[str] = mapped_column(String(255))
    gelar_depan: Mapped[str] = mapped_column(String(64), default="")
    gelar_belakang: Mapped[str] = mapped_column(String(64), default="")
    pangkat: Mapped[str] = mapped_column(String(64), default="")
    golongan_ruang: Mapped[str] = mapped_column(String(16), default="")
    jabatan_id: Mapped[Optional[int]] = mapped_column(ForeignKey("jabatan.id"), index=True)
    status_kepegawaian: Mapped[str] = mapped_column(String(32), default="AKTIF")
    email: Mapped[Optional[str]] = mapped_column(String(255))  # where notifications are e-mailed
    # Admin override of the pejabat penilai (delegation, domain §2.1); None = from the tree.
    penilai_override_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    # Derived from the NIP when the pegawai is written (nip.isi_dari_nip); None when unreadable.
    tanggal_lahir: Mapped[Optional[dt.date]] = mapped_column(Date)
    jenis_kelamin: Mapped[Optional[str]] = mapped_column(String(1))  # L | P
    tmt_cpns: Mapped[Optional[dt.date]] = mapped_column(Date)  # PNS: first day of the TMT CPNS month
    tahun_pengangkatan: Mapped[Optional[int]] = mapped_column(Integer)  # PPPK

    instansi: Mapped[Instansi] = relationship()
    jabatan: Mapped[Optional[Jabatan]] = relationship()

    @property
    def nama_lengkap(self) -> str:
        depan = f"{self.gelar_depan} " if self.gelar_depan else ""
        belakang = f", {self.gelar_belakang}" if self.gelar_belakang else ""
        return f"{depan}{self.nama}{belakang}"

    @property
    def pangkat_gol(self) -> str:
        return " / ".join(p for p in (self.pangkat, self.golongan_ruang) if p)


class PenugasanPltPlh(Base):
    """An acting assignment: ``pegawai`` acts in ``jabatan`` from tmt_mulai to tmt_selesai."""

    __tablename__ = "penugasan_plt_plh"
    id: Mapped[int] = mapped_column(primary_key=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    jabatan_id: Mapped[int] = mapped_column(ForeignKey("jabatan.id"), index=True)
    jenis: Mapped[str] = mapped_column(String(8))  # PLT | PLH
    tmt_mulai: Mapped[dt.date] = mapped_column(Date)
    tmt_selesai: Mapped[Optional[dt.date]] = mapped_column(Date)
    # '' → open tasks not yet re-routed for it; 'MULAI' after tmt_mulai; 'SELESAI' after tmt_selesai.
    dialihkan: Mapped[str] = mapped_column(String(8), default="", server_default="")

    pegawai: Mapped[Pegawai] = relationship()
    jabatan: Mapped[Jabatan] = relationship()


class Akun(Base):
    """Login of a pegawai (NIP + password) and the roles given explicitly by an admin."""

    __tablename__ = "akun"
    id: Mapped[int] = mapped_column(primary_key=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(JSON, default=list)  # admin_kinerja, process_owner, superadmin
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)
    # Carried in the signed session cookie / the API token; bumped to end every copy (app/auth.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    pegawai: Mapped[Pegawai] = relationship()


# ---------------------------------------------------------------- resolution

ORG_MEMO = "org"  # who leads which unor: forgotten when the session writes the organisation
watch(ORG_MEMO, Unor, Jabatan, Pegawai, PenugasanPltPlh)
keep_loaded(Instansi, Unor, Jabatan, Pegawai)

def leader_of(session: Session, unor_id: int, on: dt.date) -> Optional[Pegawai]:
    """Who leads the unor on a date: an active PLT/PLH of its leader position, else the holder
    (remembered by the session until it writes the organisation, see core.memo)."""
    return leaders_of(session, [unor_id], on)[unor_id]


def leaders_of(session: Session, unor_ids: list[int], on: dt.date) -> dict[int, Optional[Pegawai]]:
    """``leader_of`` for several unors with one statement for those not remembered yet; their leader
    positions (``leader_position``) are remembered with them."""
    found = remembered_many(session, ORG_MEMO, [("leader_of", u, on) for u in unor_ids], lambda missing: _answers(
        session.execute(_leaders_of_statement(), {"ids": [key[1] for key in missing], "on": on}), on))
    return {key[1]: leader for key, leader in found.items()}


def chain_with_leaders(session: Session, unor: Unor, on: dt.date) -> list[Unor]:
    """``unor.ancestors()`` with who leads each of them on ``on`` remembered (``leader_of``,
    ``leader_position``): the unors above that the session lacks and their leaders come in one
    statement (a recursive query), instead of a lazy load per level and a lookup per unor."""
    chain = _loaded_chain(session, unor)
    if chain is not None:
        leaders_of(session, [u.id for u in chain], on)
        return chain
    rows = session.execute(_chain_with_leaders_statement(), {"unor_id": unor.id, "on": on}).all()
    remember(session, ORG_MEMO, _answers(rows, on))
    return unor.ancestors()  # the rows above hold the unors while the walk finds them in the identity map


def _loaded_chain(session: Session, unor: Unor) -> list[Unor] | None:
    """``unor.ancestors()`` when the session holds every unor above, else None (without a statement)."""
    node_id, seen = unor.parent_id, set()
    while node_id is not None and node_id not in seen:
        seen.add(node_id)
        node = session.identity_map.get(Session.identity_key(Unor, node_id))
        if node is None or inspect(node).expired_attributes:
            return None
        node_id = node.parent_id
    return unor.ancestors()


def _with_leaders(query, on: dt.date):
    """``query`` over unor, with the unor's leader positions, their active PLT/PLH and their active holders."""
    acting_pegawai, holder = aliased(Pegawai), aliased(Pegawai)
    return (query.add_columns(Jabatan, PenugasanPltPlh.jenis, acting_pegawai, holder)
            .outerjoin(Jabatan, and_(Jabatan.unor_id == Unor.id, Jabatan.is_pimpinan_unor.is_(True)))
            .outerjoin(PenugasanPltPlh, and_(PenugasanPltPlh.jabatan_id == Jabatan.id, acting_today(on)))
            .outerjoin(acting_pegawai, acting_pegawai.id == PenugasanPltPlh.pegawai_id)
            .outerjoin(holder, and_(holder.jabatan_id == Jabatan.id, holder.status_kepegawaian == "AKTIF"))
            .order_by(Unor.id, Jabatan.id, PenugasanPltPlh.tmt_mulai.desc().nulls_last(), holder.id))


# The two statements are built once, with the unors and the date as parameters: building them cost more
# CPU than running them.
@cache
def _leaders_of_statement():
    return _with_leaders(select(Unor.id).where(Unor.id.in_(bindparam("ids", expanding=True))),
                         bindparam("on", type_=Date()))


@cache
def _chain_with_leaders_statement():
    up = select(Unor.id, Unor.parent_id).where(Unor.id == bindparam("unor_id")).cte("up", recursive=True)
    up = up.union(select(Unor.id, Unor.parent_id).join(up, Unor.id == up.c.parent_id))
    return _with_leaders(select(Unor).join(up, Unor.id == up.c.id), bindparam("on", type_=Date()))


def _answers(rows, on: dt.date) -> dict:
    """Memo answers ("leader_position", unor) and ("leader_of", unor, on) from ``_with_leaders`` rows.

    The first row of a unor decides: its first leader position, the newest PLT/PLH, the holder with the
    lowest id."""
    answers: dict = {}
    for unor, jabatan, jenis, acting, holder in rows:
        unor_id = unor if isinstance(unor, int) else unor.id
        if ("leader_position", unor_id) in answers:
            continue
        answers[("leader_position", unor_id)] = jabatan
        # A PLH stands in for an absent holder; a PLT fills a vacancy and yields once a holder is appointed.
        leader = acting if acting is not None and (jenis == "PLH" or holder is None) else holder
        answers[("leader_of", unor_id, on)] = leader if jabatan is not None else None
    return answers


def leader_position(session: Session, unor_id: int) -> Optional[Jabatan]:
    return remembered(session, ORG_MEMO, ("leader_position", unor_id), lambda: session.scalar(
        select(Jabatan).where(Jabatan.unor_id == unor_id, Jabatan.is_pimpinan_unor.is_(True))
        .order_by(Jabatan.id).limit(1)))


# fn(session, pegawai, date) -> the ketua tim who evaluates the pegawai, or None; registered by tim_kerja
# (which depends on this module, not the other way round).
_KETUA_PENILAI: list = []


def register_ketua_penilai(fn):
    _KETUA_PENILAI[:] = [fn]
    return fn


def pejabat_penilai(session: Session, pegawai: Pegawai, on: dt.date | None = None) -> Optional[Pegawai]:
    """The pejabat penilai kinerja of a pegawai on a date (domain §2.1), or None at the top."""
    return _penilai_at(session, pegawai, on)[0]


def _penilai_at(session: Session, pegawai: Pegawai, on: dt.date | None) -> tuple[Optional[Pegawai], Optional[Unor]]:
    """The penilai and the unor whose leader position makes them penilai (None for an override)."""
    on = on or clock.today()
    if pegawai.penilai_override_id:
        return session.get(Pegawai, pegawai.penilai_override_id), None
    if pegawai.instansi.ketua_tim_penilai and _KETUA_PENILAI:  # the instansi's choice; the override above wins
        ketua = _KETUA_PENILAI[0](session, pegawai, on)
        if ketua is not None:
            return ketua, None
    if pegawai.jabatan is None:
        return None, None
    unor = pegawai.jabatan.unor
    chain_with_leaders(session, unor, on)  # the unors above and their leaders, for the walk below
    start = unor.parent if pegawai.jabatan.is_pimpinan_unor else unor
    return _leader_above(session, start, pegawai.id, on)


def _leader_above(session: Session, start: Optional[Unor], skip_id: int, on: dt.date):
    for candidate_unor in chain_with_leaders(session, start, on) if start else []:
        leader = leader_of(session, candidate_unor.id, on)
        position = leader_position(session, candidate_unor.id)
        if leader is None or leader.id == skip_id or position is None:
            continue
        if position.jenis_jabatan in PENILAI_LEVEL:
            return leader, candidate_unor
    return None, None


def atasan_pejabat_penilai(session: Session, pegawai: Pegawai, on: dt.date | None = None) -> Optional[Pegawai]:
    """The superior of the penilai *in the position through which they evaluate* (a PLT's acting post)."""
    return penilai_chain(session, pegawai, on)[1][0]


def penilai_chain(session: Session, pegawai: Pegawai, on: dt.date | None = None
                  ) -> tuple[tuple[Optional[Pegawai], Optional[Unor]], tuple[Optional[Pegawai], Optional[Unor]]]:
    """``((penilai, unor), (atasan penilai, unor))``: each with the unor whose leader position makes them so
    (None for an override), e.g. to tell whether they act in it as PLT/PLH (``acting_as``)."""
    on = on or clock.today()
    penilai, unor = _penilai_at(session, pegawai, on)
    if penilai is None:
        return (None, None), (None, None)
    if unor is None:
        return (penilai, None), _penilai_at(session, penilai, on)
    return (penilai, unor), _leader_above(session, unor.parent, penilai.id, on)


def acting_as(session: Session, pegawai: Optional[Pegawai], unor: Optional[Unor], on: dt.date) -> Optional[str]:
    """"PLT" or "PLH" when ``pegawai`` leads ``unor`` on that date through an acting assignment, else None."""
    position = leader_position(session, unor.id) if unor is not None and pegawai is not None else None
    if position is None or pegawai.jabatan_id == position.id:
        return None
    return session.scalar(select(PenugasanPltPlh.jenis).where(
        PenugasanPltPlh.pegawai_id == pegawai.id, PenugasanPltPlh.jabatan_id == position.id,
        PenugasanPltPlh.tmt_mulai <= on,
        (PenugasanPltPlh.tmt_selesai.is_(None)) | (PenugasanPltPlh.tmt_selesai >= on)).limit(1))


def jpt_over(session: Session, unor: Unor, on: dt.date | None = None) -> list[Pegawai]:
    """Every JPT leading this unor or a unor above it (who may roll an SKP of the unit back)."""
    on = on or clock.today()
    found = []
    for node in chain_with_leaders(session, unor, on):
        position = leader_position(session, node.id)
        if position is not None and position.is_jpt:
            leader = leader_of(session, node.id, on)
            if leader is not None and leader not in found:
                found.append(leader)
    return found


def acting_today(on: dt.date):
    """The condition "this PLT/PLH assignment is in force on ``on``" (for a join or a where)."""
    return and_(PenugasanPltPlh.tmt_mulai <= on,
                or_(PenugasanPltPlh.tmt_selesai.is_(None), PenugasanPltPlh.tmt_selesai >= on))


def roles_of(session: Session, pegawai: Pegawai, akun: Akun | None = None,
             acting: list[Jabatan] | None = None) -> list[str]:
    """Roles of an account: pegawai for everyone, jpt and pejabat_penilai from the position, and the explicit ones.

    ``acting``: the positions the pegawai holds today as PLT/PLH, when the caller read them already (the
    bearer-token check reads them with the akun); else they are read here."""
    roles = ["pegawai"]
    jabatan = pegawai.jabatan
    if acting is None:
        acting = session.scalars(
            select(Jabatan).join(PenugasanPltPlh, PenugasanPltPlh.jabatan_id == Jabatan.id)
            .where(PenugasanPltPlh.pegawai_id == pegawai.id, acting_today(clock.today()))).all()
    positions = [j for j in [jabatan, *acting] if j is not None]
    if any(j.is_jpt for j in positions):
        roles.append("jpt")
    if any(j.is_pimpinan_unor and j.jenis_jabatan in PENILAI_LEVEL for j in positions):
        roles.append("pejabat_penilai")
    for role in (akun.roles if akun else []) or []:
        if role not in roles:
            roles.append(role)
    return roles
