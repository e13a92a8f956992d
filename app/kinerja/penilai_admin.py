"""What the admin kinerja does with the PPK and the explicit pejabat penilai (pages and API): each change
written in one transaction, then the open tasks re-routed (``org_change``). The rules and tables are in
``penilai``."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import write_transaction
from core.errors import NotFound, ValidationFailed
from app.request_input import require_object
from workflows import clock

from .org import Akun, Pegawai
from .org_change import reroute_after_change, require_admin
from .penilai import (JENIS_ASN_PPK, MODE, Ppk, nip_field, find_penilai, ppk_of, set_override, view)


def simpan_ppk(session: Session, actor, body, fast_hash: bool = False) -> tuple[Ppk, dict]:
    """Record (or change) the instansi's PPK; tasks waiting on the PPK follow a change of mode. A new password
    for the PPK's account ends its sessions and tokens (``app.auth.set_password``)."""
    from app.auth import set_password

    require_admin(actor, actor.pegawai.instansi_id)
    require_object(body)
    fields: dict[str, str] = {}
    nama = str(body.get("nama") or "").strip()
    jabatan = str(body.get("jabatan") or "").strip()
    mode = str(body.get("mode") or "").strip()
    if not nama or len(nama) > 255:
        fields["nama"] = "wajib diisi (paling banyak 255 karakter)"
    if not jabatan or len(jabatan) > 255:
        fields["jabatan"] = "wajib diisi, mis. Gubernur Contoh (paling banyak 255 karakter)"
    if mode not in MODE:
        fields["mode"] = "harus akun atau diwakili"
    nip = nip_field(body.get("nip"), "nip", fields)
    id_login = nip_field(body.get("id_login"), "id_login", fields)
    kata_sandi = body.get("kata_sandi") or ""
    if not isinstance(kata_sandi, str) or (kata_sandi and not 8 <= len(kata_sandi) <= 128):
        fields["kata_sandi"] = "8 sampai 128 karakter"
    instansi_id = actor.pegawai.instansi_id
    with write_transaction(session):
        row = ppk_of(session, instansi_id)
        login = id_login or (row.pegawai.nip if row else None) or nip or f"00{instansi_id:016d}"
        other = session.scalar(select(Pegawai).where(Pegawai.nip == login))
        if other is not None and (row is None or other.id != row.pegawai_id):
            fields["id_login" if id_login or not nip else "nip"] = f"{login} sudah dipakai {other.nama_lengkap}"
        akun = session.scalar(select(Akun).where(Akun.pegawai_id == row.pegawai_id)) if row else None
        if mode == "akun" and akun is None and not kata_sandi and "kata_sandi" not in fields:
            fields["kata_sandi"] = "wajib diisi untuk membuat akun PPK (mode akun)"
        if fields:
            raise ValidationFailed(fields)
        if row is None:
            person = Pegawai(instansi_id=instansi_id, nip=login, jenis_asn=JENIS_ASN_PPK, nama=nama,
                             status_kepegawaian="AKTIF")
            session.add(person)
            session.flush()
            row = Ppk(instansi_id=instansi_id, pegawai_id=person.id, jabatan=jabatan)
            session.add(row)
        before = row.mode
        row.pegawai.nama, row.pegawai.nip, row.pegawai.gelar_depan, row.pegawai.gelar_belakang = nama, login, "", ""
        row.jabatan, row.nip, row.mode = jabatan, nip, mode
        row.diubah_at, row.diubah_oleh_id = clock.now(), actor.id
        if kata_sandi:
            if akun is None:
                akun = Akun(pegawai_id=row.pegawai_id, password_hash="", roles=["ppk"])
                session.add(akun)
            set_password(akun, kata_sandi, fast=fast_hash)
        if akun is not None:
            akun.roles = sorted({*(akun.roles or []), "ppk"})
            akun.aktif = True
        session.flush()
        row_id, changed = row.id, before != mode
    moved = reroute_after_change(session, actor.id, f"mode PPK menjadi {mode}") if changed else {}
    return session.get(Ppk, row_id), moved


def tetapkan(session: Session, actor, nip: str, body, sumber: str = "API") -> tuple[Pegawai, dict]:
    """An admin kinerja sets (``penilai_nip``: a NIP or ``PPK``) or clears (empty) a pegawai's pejabat
    penilai, with a reason; the open tasks follow."""
    require_object(body)
    alasan = str(body.get("alasan") or "").strip()
    with write_transaction(session):
        pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == str(nip)))
        if pegawai is None or pegawai.jenis_asn == JENIS_ASN_PPK:
            raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan")
        require_admin(actor, pegawai.instansi_id)
        fields: dict[str, str] = {}
        if "penilai_nip" not in body:
            fields["penilai_nip"] = "wajib dikirim: NIP pejabat penilai, PPK, atau kosong (kembali ke struktur)"
        ok, penilai = find_penilai(session, pegawai, body.get("penilai_nip"), "penilai_nip", fields)
        if not alasan or len(alasan) > 1000:
            fields["alasan"] = "wajib diisi (paling banyak 1000 karakter)"
        if fields or not ok:
            raise ValidationFailed(fields)
        changed = set_override(session, pegawai, penilai, actor.id, alasan, sumber)
        pegawai_id = pegawai.id
    moved = reroute_after_change(session, actor.id, f"pejabat penilai {pegawai.nama_lengkap} ditetapkan: "
                                                    f"{penilai.nama_lengkap if penilai else 'sesuai struktur'}") \
        if changed else {"tugas_dialihkan": [], "masalah": [], "instance": 0, "instance_dilanjutkan": []}
    return session.get(Pegawai, pegawai_id), moved


def lihat(session: Session, actor, nip: str) -> dict:
    pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == str(nip)))
    if pegawai is None or pegawai.jenis_asn == JENIS_ASN_PPK:
        raise NotFound(f"Pegawai dengan NIP {nip} tidak ditemukan")
    require_admin(actor, pegawai.instansi_id)
    return view(session, pegawai)

