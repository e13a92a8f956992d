"""Tim kerja (domain §9): since penyetaraan jabatan a unit's JPT assigns work to teams of a ketua and anggota.

A team belongs to a unit and a year and carries RHK of the SKP of that unit's leader (or of a leader above:
the JPT), ``tim_kerja_rhk``. Membership has a period (``mulai``/``selesai``, within the year) and a
role: one ketua at a time (a new ketua ends the previous one the day before), any number of anggota.

What a team changes elsewhere:

* the ketua's and the anggota's SKP of the year may intervene the team's RHK (``cascade.allowed_rhk_atasan``),
  and a new SKP of an anggota starts with one RHK per cell of the team's matriks peran hasil (``prefill``);
* the lane relation ``ketua_tim`` resolves to the ketua of the subject's team(s) (``roles.ketua_tim``);
* when the instansi decides so (``Instansi.ketua_tim_penilai``, default off) the ketua is the pejabat
  penilai of the anggota for the membership's period (``org._penilai_at``; an admin's explicit override wins);
* the ketua gives umpan balik on the rencana aksi of the anggota per evaluation period.

Membership changes and the setting re-route open tasks (``org_change.reroute_after_change``).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime, lock_row, refused_as, write_transaction
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.request_input import as_id, as_year, read_date, require_object
from workflows import clock

from . import org
from .org import Pegawai, Unor
from .skp import Rhk, Skp, identity

PERAN = {"KETUA": "Ketua", "ANGGOTA": "Anggota"}


class TimKerja(Base):
    __tablename__ = "tim_kerja"
    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    unor_id: Mapped[int] = mapped_column(ForeignKey("unor.id"), index=True)
    tahun: Mapped[int] = mapped_column(Integer)
    nama: Mapped[str] = mapped_column(String(255))
    dibuat_oleh_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pegawai.id"))
    dibuat_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    instansi: Mapped[org.Instansi] = relationship()
    unor: Mapped[Unor] = relationship()
    rhk: Mapped[list["TimKerjaRhk"]] = relationship(order_by="TimKerjaRhk.urutan", cascade="all, delete-orphan")
    anggota: Mapped[list["AnggotaTim"]] = relationship(order_by="AnggotaTim.mulai, AnggotaTim.id",
                                                       cascade="all, delete-orphan", back_populates="tim")
    __table_args__ = (UniqueConstraint("unor_id", "tahun", "nama", name="uq_tim_kerja_unor_id_tahun_nama"),)


# A second team of the same name, unit and year created at the same moment is refused by the database.
TIM_UNIK = next(c for c in TimKerja.__table__.constraints if c.name == "uq_tim_kerja_unor_id_tahun_nama")


class TimKerjaRhk(Base):
    """An RHK of the unit leader's (JPT's) SKP that the team carries."""

    __tablename__ = "tim_kerja_rhk"
    id: Mapped[int] = mapped_column(primary_key=True)
    tim_id: Mapped[int] = mapped_column(ForeignKey("tim_kerja.id", ondelete="CASCADE"), index=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id", ondelete="CASCADE"), index=True)
    urutan: Mapped[int] = mapped_column(Integer)

    rhk_row: Mapped[Rhk] = relationship()
    __table_args__ = (UniqueConstraint("tim_id", "rhk_id"),)


class AnggotaTim(Base):
    __tablename__ = "anggota_tim"
    id: Mapped[int] = mapped_column(primary_key=True)
    tim_id: Mapped[int] = mapped_column(ForeignKey("tim_kerja.id", ondelete="CASCADE"), index=True)
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    peran: Mapped[str] = mapped_column(String(8))  # KETUA | ANGGOTA
    mulai: Mapped[dt.date] = mapped_column(Date)
    selesai: Mapped[Optional[dt.date]] = mapped_column(Date)

    tim: Mapped[TimKerja] = relationship(back_populates="anggota")
    pegawai: Mapped[Pegawai] = relationship()

    def aktif_pada(self, on: dt.date) -> bool:
        return self.tim.tahun == on.year and self.mulai <= on and (self.selesai is None or self.selesai >= on)


class SelTim(Base):
    """A cell of the team's matriks peran hasil: a member's role and expected result for a team RHK."""

    __tablename__ = "tim_kerja_sel"
    id: Mapped[int] = mapped_column(primary_key=True)
    tim_id: Mapped[int] = mapped_column(ForeignKey("tim_kerja.id", ondelete="CASCADE"), index=True)
    rhk_id: Mapped[int] = mapped_column(ForeignKey("rhk.id", ondelete="CASCADE"))
    pegawai_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"), index=True)
    peran: Mapped[str] = mapped_column(Text, default="")
    hasil: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("tim_id", "rhk_id", "pegawai_id"),)


class UmpanBalikTim(Base):
    """The ketua's umpan balik on an anggota's rencana aksi / realisasi of one RHK in one period."""

    __tablename__ = "tim_kerja_umpan_balik"
    id: Mapped[int] = mapped_column(primary_key=True)
    tim_id: Mapped[int] = mapped_column(ForeignKey("tim_kerja.id", ondelete="CASCADE"), index=True)
    realisasi_id: Mapped[int] = mapped_column(ForeignKey("realisasi.id", ondelete="CASCADE"), index=True)
    ketua_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    teks: Mapped[str] = mapped_column(Text)
    diubah_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    ketua: Mapped[Pegawai] = relationship()
    __table_args__ = (UniqueConstraint("tim_id", "realisasi_id"),)


# ---------------------------------------------------------------- reading

def get_tim(session: Session, actor, tim_id: int) -> TimKerja:
    """A team the actor may see: any pegawai of its instansi (and the superadmin)."""
    tim = session.get(TimKerja, tim_id)
    if tim is None or not (actor.has("superadmin") or tim.instansi_id == actor.pegawai.instansi_id):
        raise NotFound(f"Tim kerja {tim_id} tidak ditemukan")
    return tim


def may_manage(session: Session, actor, unor: Unor) -> bool:
    """The admin kinerja of the instansi (or a superadmin) and every JPT leading the unit or a unit above it."""
    if actor.has("superadmin") or (actor.has("admin_kinerja") and actor.pegawai.instansi_id == unor.instansi_id):
        return True
    return any(j.id == actor.id for j in org.jpt_over(session, unor))


def _locked(session: Session, actor, tim_id: int) -> TimKerja:
    """The team, its row locked for the write transaction: changes of one team's members, matrix and umpan
    balik are serialized, so the checks that follow see what a concurrent request committed (PostgreSQL)."""
    tim = get_tim(session, actor, tim_id)
    lock_row(session, TimKerja, tim.id)
    session.expire(tim)
    return tim


def _require_manage(session: Session, actor, unor: Unor) -> None:
    if not may_manage(session, actor, unor):
        raise Forbidden("Hanya JPT unit ini (atau di atasnya) dan admin kinerja yang dapat mengelola tim kerja")


def on_in_year(tim: TimKerja) -> dt.date:
    """Today, or the nearest day of the team's year (a past team: its last day; a coming one: its first)."""
    return min(max(clock.today(), dt.date(tim.tahun, 1, 1)), dt.date(tim.tahun, 12, 31))


def ketua_on(tim: TimKerja, on: dt.date) -> Optional[AnggotaTim]:
    return next((a for a in tim.anggota if a.peran == "KETUA" and a.aktif_pada(on)), None)


def memberships(session: Session, pegawai_id: int, on: dt.date, peran: str | None = None) -> list[AnggotaTim]:
    query = (select(AnggotaTim).join(TimKerja, TimKerja.id == AnggotaTim.tim_id)
             .where(AnggotaTim.pegawai_id == pegawai_id, TimKerja.tahun == on.year, AnggotaTim.mulai <= on)
             .where(AnggotaTim.selesai.is_(None) | (AnggotaTim.selesai >= on)))
    if peran:
        query = query.where(AnggotaTim.peran == peran)
    return list(session.scalars(query.order_by(AnggotaTim.mulai.desc(), AnggotaTim.id.desc())))


def ketua_of(session: Session, pegawai: Pegawai, on: dt.date, peran: str | None = None) -> list[Pegawai]:
    """The active ketua of every team the pegawai belongs to on a date (as ``peran`` when given; not the
    pegawai themself), the latest membership first."""
    found = []
    for member in memberships(session, pegawai.id, on, peran):
        ketua = ketua_on(member.tim, on)
        if ketua is not None and ketua.pegawai_id != pegawai.id and ketua.pegawai.status_kepegawaian == "AKTIF" \
                and ketua.pegawai not in found:
            found.append(ketua.pegawai)
    return found


@org.register_ketua_penilai
def ketua_penilai(session: Session, pegawai: Pegawai, on: dt.date) -> Optional[Pegawai]:
    """The ketua who evaluates an anggota when the instansi made ketua tim pejabat penilai (latest membership)."""
    return next(iter(ketua_of(session, pegawai, on, "ANGGOTA")), None)


def rhk_ids_for(session: Session, pegawai_id: int, tahun: int) -> list[int]:
    """RHK of the teams a pegawai belongs to in a year (any part of it): what their SKP may intervene."""
    return list(session.scalars(
        select(TimKerjaRhk.rhk_id).join(TimKerja, TimKerja.id == TimKerjaRhk.tim_id)
        .join(AnggotaTim, AnggotaTim.tim_id == TimKerja.id)
        .where(AnggotaTim.pegawai_id == pegawai_id, TimKerja.tahun == tahun).distinct()))


def _member_dict(a: AnggotaTim, today: dt.date) -> dict:
    p = a.pegawai
    return {"id": a.id, "nip": p.nip, "nama": p.nama_lengkap, "jabatan": p.jabatan.nama if p.jabatan else "",
            "peran": a.peran, "peran_label": PERAN[a.peran], "mulai": a.mulai.isoformat(),
            "selesai": a.selesai.isoformat() if a.selesai else None, "aktif": a.aktif_pada(today)}


def as_dict(session: Session, tim: TimKerja, actor=None) -> dict:
    today = clock.today()
    ketua = ketua_on(tim, on_in_year(tim))
    return {"id": tim.id, "nama": tim.nama, "tahun": tim.tahun,
            "unor": {"id": tim.unor_id, "kode": tim.unor.kode, "nama": tim.unor.nama},
            "ketua": _member_dict(ketua, today) if ketua else None,
            "rhk": [{"rhk_id": r.rhk_id, "deskripsi": r.rhk_row.deskripsi, "iki": [i.indikator for i in r.rhk_row.iki],
                     "pemilik": r.rhk_row.skp.pegawai.nama_lengkap, "skp_id": r.rhk_row.skp_id,
                     "status_skp": r.rhk_row.skp.status} for r in tim.rhk],
            "anggota": [_member_dict(a, today) for a in tim.anggota],
            "dapat_mengelola": may_manage(session, actor, tim.unor) if actor is not None else False}


def daftar(session: Session, actor, tahun: int | None, unor_id: int | None) -> list[TimKerja]:
    instansi_id = actor.pegawai.instansi_id
    query = select(TimKerja).where(TimKerja.instansi_id == instansi_id)
    if tahun is not None:
        query = query.where(TimKerja.tahun == tahun)
    if unor_id is not None:
        query = query.where(TimKerja.unor_id == unor_id)
    return list(session.scalars(query.join(Unor, Unor.id == TimKerja.unor_id)
                                .order_by(TimKerja.tahun.desc(), Unor.kode, TimKerja.nama)))


# ---------------------------------------------------------------- writing

def pilihan_rhk(session: Session, unor: Unor, tahun: int, ids: list[int] | None = None) -> list[Rhk]:
    """RHK a team of the unit may carry: those of a non-cancelled SKP of the year of the leader position of the
    unit or of a unit above it (the JPT's), nearest unit first."""
    positions = [p.id for u in unor.ancestors() if (p := org.leader_position(session, u.id)) is not None]
    query = select(Rhk).join(Skp, Skp.id == Rhk.skp_id).where(
        Skp.jabatan_id.in_(positions or [-1]), Skp.tahun == tahun, Skp.status != "DIBATALKAN")
    if ids is not None:
        query = query.where(Rhk.id.in_(ids))
    rank = {p: n for n, p in enumerate(positions)}
    return sorted(session.scalars(query), key=lambda r: (rank.get(r.skp.jabatan_id, 99), r.skp_id, r.urutan))


def _team_rhk(session: Session, unor: Unor, tahun: int, raw, fields: dict) -> list[int]:
    """RHK ids given for a team, each one of ``pilihan_rhk``."""
    if raw is None:
        return []
    if not isinstance(raw, list) or any(as_id(v) is None for v in raw):
        fields["rhk_ids"] = "harus berupa daftar id RHK"
        return []
    ids = list(dict.fromkeys(as_id(v) for v in raw))
    allowed = {r.id for r in pilihan_rhk(session, unor, tahun, ids)}
    wrong = [i for i in ids if i not in allowed]
    if wrong:
        fields["rhk_ids"] = (f"RHK {', '.join(map(str, wrong))} bukan RHK SKP {tahun} pimpinan unit ini "
                             "atau unit di atasnya")
    return ids


def unit_yang_dikelola(session: Session, actor) -> list[Unor]:
    """Units of the actor's instansi where they may form teams."""
    units = session.scalars(select(Unor).where(Unor.instansi_id == actor.pegawai.instansi_id, Unor.aktif.is_(True))
                            .order_by(Unor.kode))
    return [u for u in units if may_manage(session, actor, u)]


def _set_rhk(tim: TimKerja, ids: list[int]) -> None:
    keep = {r.rhk_id: r for r in tim.rhk}
    tim.rhk[:] = [keep.get(i) or TimKerjaRhk(rhk_id=i) for i in ids]
    for n, row in enumerate(tim.rhk, start=1):
        row.urutan = n


def _nama(raw, fields: dict) -> str:
    nama = raw.strip() if isinstance(raw, str) else ""
    if not nama:
        fields["nama"] = "wajib diisi"
    elif len(nama) > 255:
        fields["nama"] = "paling banyak 255 karakter"
    return nama


def _name_taken(nama: str, tahun: int) -> ValidationFailed:
    return ValidationFailed({"nama": f"tim kerja '{nama}' {tahun} sudah ada di unit ini"})


def _check_name_free(session: Session, unor_id: int, tahun: int, nama: str, fields: dict) -> None:
    if session.scalar(select(TimKerja.id).where(TimKerja.unor_id == unor_id, TimKerja.tahun == tahun,
                                                TimKerja.nama == nama)) is not None:
        fields.update(_name_taken(nama, tahun).fields)


def buat(session: Session, actor, body: dict) -> TimKerja:
    """Create a team (``{"unor_id", "nama", "tahun", "rhk_ids"?}``) in its own write transaction."""
    require_object(body)
    with write_transaction(session):
        fields: dict[str, str] = {}
        unor = session.get(Unor, as_id(body.get("unor_id")) or 0)
        if unor is None or not (actor.has("superadmin") or unor.instansi_id == actor.pegawai.instansi_id):
            raise ValidationFailed({"unor_id": "unit kerja tidak ditemukan di instansi Anda"})
        _require_manage(session, actor, unor)
        nama = _nama(body.get("nama"), fields)
        tahun = as_year(body.get("tahun"))
        if tahun is None or not 2000 <= tahun <= 2100:
            fields["tahun"], tahun = "wajib diisi dengan tahun antara 2000 dan 2100", None
        ids = _team_rhk(session, unor, tahun or 0, body.get("rhk_ids"), fields) if tahun else []
        if not fields:
            _check_name_free(session, unor.id, tahun, nama, fields)
        if fields:
            raise ValidationFailed(fields)
        tim = TimKerja(instansi_id=unor.instansi_id, unor_id=unor.id, tahun=tahun, nama=nama,
                       dibuat_oleh_id=actor.id, dibuat_at=clock.now())
        with refused_as(session, TIM_UNIK, lambda: _name_taken(nama, tahun)):
            session.add(tim)
            _set_rhk(tim, ids)
        return tim


def ubah(session: Session, actor, tim_id: int, body: dict) -> TimKerja:
    """Rename a team or replace its RHK (``{"nama"?, "rhk_ids"?}``)."""
    require_object(body)
    with write_transaction(session):
        tim = _locked(session, actor, tim_id)
        _require_manage(session, actor, tim.unor)
        fields: dict[str, str] = {}
        if "nama" in body:
            nama = _nama(body.get("nama"), fields)
            if nama and nama != tim.nama:
                _check_name_free(session, tim.unor_id, tim.tahun, nama, fields)
        ids = _team_rhk(session, tim.unor, tim.tahun, body.get("rhk_ids"), fields) if "rhk_ids" in body else None
        if fields:
            raise ValidationFailed(fields)
        if "nama" in body:
            with refused_as(session, TIM_UNIK, lambda: _name_taken(nama, tim.tahun)):
                tim.nama = nama
        if ids is not None:
            _set_rhk(tim, ids)
            session.execute(delete(SelTim).where(SelTim.tim_id == tim.id, SelTim.rhk_id.not_in(ids or [-1])))
        session.flush()
        return tim


def _period(tim: TimKerja, body: dict, fields: dict) -> tuple[dt.date | None, dt.date | None]:
    first, last = dt.date(tim.tahun, 1, 1), dt.date(tim.tahun, 12, 31)
    mulai = read_date(body.get("mulai"), "mulai", fields, required=False) or (None if "mulai" in fields else first)
    selesai = read_date(body.get("selesai"), "selesai", fields, required=False)
    for name, value in (("mulai", mulai), ("selesai", selesai)):
        if value is not None and not first <= value <= last:
            fields[name] = f"harus dalam tahun tim kerja ({tim.tahun})"
    if mulai and selesai and selesai < mulai and "selesai" not in fields:
        fields["selesai"] = "tidak boleh sebelum tanggal mulai"
    return mulai, selesai


def _overlaps(a: AnggotaTim, mulai: dt.date, selesai: dt.date | None) -> bool:
    return (a.selesai is None or a.selesai >= mulai) and (selesai is None or a.mulai <= selesai)


def tambah_anggota(session: Session, actor, tim_id: int, body: dict) -> tuple[AnggotaTim, dict]:
    """Add a member (``{"nip", "peran": "KETUA"|"ANGGOTA", "mulai"?, "selesai"?}``); a new ketua ends the
    current one the day before. Open tasks follow (``ketua_tim`` lanes, a ketua as pejabat penilai)."""
    from .org_change import reroute_after_change

    require_object(body)
    with write_transaction(session):
        tim = _locked(session, actor, tim_id)
        _require_manage(session, actor, tim.unor)
        fields: dict[str, str] = {}
        peran = str(body.get("peran") or "").strip().upper()
        if peran not in PERAN:
            fields["peran"] = "harus KETUA atau ANGGOTA"
        nip = str(body.get("nip") or "").strip()
        pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == nip)) if nip.isdigit() and len(nip) == 18 \
            else None
        if pegawai is None or pegawai.instansi_id != tim.instansi_id:
            fields["nip"] = "pegawai dengan NIP ini tidak ada di instansi tim kerja ini"
        elif pegawai.status_kepegawaian != "AKTIF":
            fields["nip"] = f"pegawai berstatus {pegawai.status_kepegawaian}"
        mulai, selesai = _period(tim, body, fields)
        if fields:
            raise ValidationFailed(fields)
        if any(a.pegawai_id == pegawai.id and _overlaps(a, mulai, selesai) for a in tim.anggota):
            raise Conflict(f"{pegawai.nama_lengkap} sudah menjadi anggota tim ini pada periode tersebut")
        if peran == "KETUA":
            for other in [a for a in tim.anggota if a.peran == "KETUA" and _overlaps(a, mulai, selesai)]:
                if other.mulai >= mulai:
                    raise Conflict(f"{other.pegawai.nama_lengkap} menjadi ketua sejak {other.mulai.isoformat()}; "
                                   "ketua baru harus mulai sesudahnya")
                other.selesai = mulai - dt.timedelta(days=1)
        row = AnggotaTim(tim=tim, pegawai_id=pegawai.id, peran=peran, mulai=mulai, selesai=selesai)
        session.add(row)
        session.flush()
        row_id = row.id
    moved = reroute_after_change(session, actor.id, f"tim kerja {tim.nama}: {pegawai.nama_lengkap} "
                                                    f"menjadi {PERAN[peran].lower()}")
    return session.get(AnggotaTim, row_id), moved


def akhiri_anggota(session: Session, actor, tim_id: int, anggota_id: int, body: dict) -> tuple[AnggotaTim, dict]:
    """End a membership (``{"selesai"?}``, default yesterday: it ends now)."""
    from .org_change import reroute_after_change

    body = body if isinstance(body, dict) else {}
    with write_transaction(session):
        tim = _locked(session, actor, tim_id)
        _require_manage(session, actor, tim.unor)
        row = session.get(AnggotaTim, anggota_id)
        if row is None or row.tim_id != tim.id:
            raise NotFound(f"Keanggotaan {anggota_id} tidak ditemukan pada tim ini")
        fields: dict[str, str] = {}
        selesai = read_date(body.get("selesai"), "selesai", fields, required=False)
        selesai = selesai or (None if fields else clock.today() - dt.timedelta(days=1))
        if selesai is not None and selesai < row.mulai - dt.timedelta(days=1):
            fields["selesai"] = f"tidak boleh sebelum hari sebelum tanggal mulai ({row.mulai.isoformat()})"
        if fields:
            raise ValidationFailed(fields)
        row.selesai = min(selesai, dt.date(tim.tahun, 12, 31))
        session.flush()
        name = row.pegawai.nama_lengkap
    moved = reroute_after_change(session, actor.id, f"tim kerja {tim.nama}: keanggotaan {name} berakhir")
    return session.get(AnggotaTim, anggota_id), moved


def atur_penilai(session: Session, actor, body: dict) -> tuple[bool, dict]:
    """The instansi's setting ``{"ketua_sebagai_penilai": bool}`` (admin kinerja); open tasks follow."""
    from .org_change import reroute_after_change, require_admin

    value = body.get("ketua_sebagai_penilai") if isinstance(body, dict) else None
    if not isinstance(value, bool):
        raise ValidationFailed({"ketua_sebagai_penilai": "wajib diisi true atau false"})
    with write_transaction(session):
        require_admin(actor, actor.pegawai.instansi_id)
        instansi = session.get(org.Instansi, actor.pegawai.instansi_id)
        changed = instansi.ketua_tim_penilai != value
        instansi.ketua_tim_penilai = value
    moved = reroute_after_change(session, actor.id, "ketua tim sebagai pejabat penilai: " +
                                 ("ya" if value else "tidak")) if changed else {}
    return value, moved


# ---------------------------------------------------------------- matriks peran hasil of a team

def _rows(tim: TimKerja) -> list[AnggotaTim]:
    """Members of the team in the year, the ketua first, one row per pegawai."""
    seen, rows = set(), []
    for a in sorted(tim.anggota, key=lambda a: (a.peran != "KETUA", a.pegawai.nama)):
        if a.pegawai_id not in seen:
            seen.add(a.pegawai_id)
            rows.append(a)
    return rows


def may_edit_matriks(session: Session, actor, tim: TimKerja) -> bool:
    ketua = ketua_on(tim, on_in_year(tim))
    return (ketua is not None and ketua.pegawai_id == actor.id) or may_manage(session, actor, tim.unor)


def matriks(session: Session, tim: TimKerja) -> dict:
    """The team's matrix in the shape of ``mph.matriks``: columns the team's RHK, rows its members."""
    from .mph import matrix_dict

    cells = {(c.pegawai_id, c.rhk_id): c for c in session.scalars(select(SelTim).where(SelTim.tim_id == tim.id))}
    ketua = ketua_on(tim, on_in_year(tim))
    data = matrix_dict([r.rhk_row for r in tim.rhk], [a.pegawai for a in _rows(tim)], cells)
    return {"tim_id": tim.id, "tahun": tim.tahun, "nama": tim.nama,
            "pimpinan": identity(session, ketua.pegawai) if ketua else None, **data}


def simpan_matriks(session: Session, actor, tim_id: int, body: dict) -> TimKerja:
    """Replace the team's matrix (``{"sel": [{"rhk_id", "nip", "peran", "hasil"}]}``): the ketua or a manager."""
    from .mph import read_cells

    with write_transaction(session):
        tim = _locked(session, actor, tim_id)
        if not may_edit_matriks(session, actor, tim):
            raise Forbidden("Hanya ketua tim, JPT unit dan admin kinerja yang menyusun matriks tim")
        people = {a.pegawai.nip: a.pegawai for a in _rows(tim)}
        cells = read_cells(body, {r.rhk_id for r in tim.rhk}, people, "bukan RHK tim ini", "bukan anggota tim ini")
        session.execute(delete(SelTim).where(SelTim.tim_id == tim.id))
        session.add_all([SelTim(tim_id=tim.id, rhk_id=c["rhk_id"], pegawai_id=c["pegawai"].id, peran=c["peran"],
                                hasil=c["hasil"]) for c in cells])
        session.flush()
        return tim


def prefill(session: Session, skp: Skp) -> int:
    """A new SKP of a member starts with one RHK per cell of their teams' matrices, linked to the team's RHK."""
    if skp.is_jpt:
        return 0
    cells = list(session.scalars(select(SelTim).join(TimKerja, TimKerja.id == SelTim.tim_id).where(
        SelTim.pegawai_id == skp.pegawai_id, TimKerja.tahun == skp.tahun).order_by(SelTim.tim_id, SelTim.id)))
    have = {(r.rhk_atasan_id, r.deskripsi) for r in skp.rhk}
    added = 0
    for cell in cells:
        if (cell.rhk_id, cell.hasil) in have:
            continue
        skp.rhk.append(Rhk(urutan=len(skp.rhk) + 1, jenis="UTAMA", deskripsi=cell.hasil, rhk_atasan_id=cell.rhk_id,
                           rhk_atasan_text="", penugasan_dari="", iki=[]))
        added += 1
    session.flush()
    return added


# ---------------------------------------------------------------- umpan balik of the ketua on rencana aksi

def _periode(session: Session, tim: TimKerja, periode_id) -> "object":
    from .penilaian import Periode

    periode = session.get(Periode, as_id(periode_id) or 0)
    if periode is None or periode.instansi_id != tim.instansi_id or periode.tahun != tim.tahun:
        raise ValidationFailed({"periode_id": f"bukan periode penilaian {tim.tahun} instansi tim ini"})
    return periode


def rencana_aksi(session: Session, actor, tim_id: int, periode_id) -> dict:
    """Per anggota in the period: the RHK of their penilaian with rencana aksi, realisasi and the ketua's
    umpan balik. The ketua, the team's managers and the anggota themselves (their own rows) may read it."""
    from .penilaian import Penilaian

    tim = get_tim(session, actor, tim_id)
    periode = _periode(session, tim, periode_id)
    ketua = ketua_on(tim, on_in_year(tim))
    full = (ketua is not None and ketua.pegawai_id == actor.id) or may_manage(session, actor, tim.unor)
    members = [a for a in tim.anggota if a.peran == "ANGGOTA" and _overlaps(a, periode.periode_awal,
                                                                              periode.periode_akhir)]
    if not full:
        members = [a for a in members if a.pegawai_id == actor.id]
        if not members:
            raise Forbidden("Rencana aksi anggota tim hanya untuk ketua tim, pengelola tim dan anggota itu sendiri")
    feedback = {u.realisasi_id: u for u in session.scalars(select(UmpanBalikTim).where(UmpanBalikTim.tim_id == tim.id))}
    team_rhk = {r.rhk_id for r in tim.rhk}
    out, seen = [], set()
    for member in members:
        if member.pegawai_id in seen:
            continue
        seen.add(member.pegawai_id)
        penilaian = session.scalar(select(Penilaian).join(Skp, Skp.id == Penilaian.skp_id).where(
            Skp.pegawai_id == member.pegawai_id, Penilaian.periode_id == periode.id).order_by(Penilaian.id.desc())
            .limit(1))
        rows = []
        for r in penilaian.realisasi if penilaian else []:
            rhk = session.get(Rhk, r.rhk_id)
            u = feedback.get(r.id)
            rows.append({"realisasi_id": r.id, "rhk_id": rhk.id, "rhk": rhk.deskripsi,
                         "rhk_tim": rhk.rhk_atasan_id in team_rhk, "rencana_aksi": r.rencana_aksi,
                         "realisasi": r.realisasi, "umpan_balik_ketua": u.teks if u else "",
                         "umpan_balik_oleh": u.ketua.nama_lengkap if u else None,
                         "umpan_balik_at": clock.local_text(u.diubah_at) if u else None})
        out.append({"nip": member.pegawai.nip, "nama": member.pegawai.nama_lengkap,
                    "penilaian_id": penilaian.id if penilaian else None, "rhk": rows})
    return {"tim_id": tim.id, "periode": {"id": periode.id, "nama": periode.nama, "tahun": periode.tahun},
            "ketua": ketua.pegawai.nama_lengkap if ketua else None,
            "dapat_memberi_umpan_balik": ketua is not None and ketua.pegawai_id == actor.id, "anggota": out}


def umpan_balik_of(session: Session, realisasi_ids: list[int]) -> dict[int, list[dict]]:
    """The ketua's umpan balik per realisasi row (for the anggota's penilaian)."""
    found: dict[int, list[dict]] = {}
    rows = session.scalars(select(UmpanBalikTim).where(UmpanBalikTim.realisasi_id.in_(realisasi_ids or [-1]))
                           .order_by(UmpanBalikTim.id))
    for u in rows:
        found.setdefault(u.realisasi_id, []).append({"tim": session.get(TimKerja, u.tim_id).nama,
                                                     "ketua": u.ketua.nama_lengkap, "teks": u.teks})
    return found


def beri_umpan_balik(session: Session, actor, tim_id: int, body: dict) -> UmpanBalikTim:
    """The ketua writes (or replaces) umpan balik on an anggota's rencana aksi: ``{"realisasi_id", "teks"}``."""
    from .penilaian import Penilaian, Realisasi

    require_object(body)
    with write_transaction(session):
        tim = _locked(session, actor, tim_id)
        fields: dict[str, str] = {}
        realisasi = session.get(Realisasi, as_id(body.get("realisasi_id")) or 0)
        teks = body.get("teks")
        if not isinstance(teks, str) or not teks.strip():
            fields["teks"] = "wajib diisi"
        elif len(teks) > 4000:
            fields["teks"] = "paling banyak 4000 karakter"
        if realisasi is None:
            fields["realisasi_id"] = "rencana aksi tidak ditemukan"
        else:
            penilaian = session.get(Penilaian, realisasi.penilaian_id)
            periode = penilaian.periode
            if periode.tahun != tim.tahun or not any(
                    a.peran == "ANGGOTA" and a.pegawai_id == penilaian.skp.pegawai_id
                    and _overlaps(a, periode.periode_awal, periode.periode_akhir) for a in tim.anggota):
                fields["realisasi_id"] = "bukan rencana aksi anggota tim ini pada periodenya"
        if fields:
            raise ValidationFailed(fields)
        ketua = ketua_on(tim, on_in_year(tim))
        if ketua is None or ketua.pegawai_id != actor.id:
            raise Forbidden("Hanya ketua tim yang memberi umpan balik atas rencana aksi anggota")
        row = session.scalar(select(UmpanBalikTim).where(UmpanBalikTim.tim_id == tim.id,
                                                         UmpanBalikTim.realisasi_id == realisasi.id))
        if row is None:
            row = UmpanBalikTim(tim_id=tim.id, realisasi_id=realisasi.id)
            session.add(row)
        row.ketua_id, row.teks, row.diubah_at = actor.id, teks.strip(), clock.now()
        session.flush()
        return row

