"""Who is asking: login by NIP and password, bearer tokens for the API, the signed session for pages."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from .kinerja import org
from .kinerja.org import Akun, Pegawai
from .kinerja.password import verify_password


@dataclass
class Actor:
    pegawai: Pegawai
    akun: Akun
    roles: list[str]

    @property
    def id(self) -> int:
        return self.pegawai.id

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def authenticate(session: Session, nip: str, password: str) -> Actor | None:
    akun = session.scalar(select(Akun).join(Pegawai, Akun.pegawai_id == Pegawai.id)
                          .where(Pegawai.nip == (nip or "").strip(), Akun.aktif.is_(True)))
    if akun is None or not verify_password(akun.password_hash, password or ""):
        return None
    return actor_of(session, akun)


def actor_of(session: Session, akun: Akun) -> Actor:
    return Actor(akun.pegawai, akun, org.roles_of(session, akun.pegawai, akun))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(actor: Actor) -> str:
    return _serializer().dumps({"akun": actor.akun.id})


def actor_from_token(session: Session, token: str) -> Actor | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    akun = session.get(Akun, data.get("akun"))
    return actor_of(session, akun) if akun is not None and akun.aktif else None


def actor_from_id(session: Session, akun_id: int | None) -> Actor | None:
    akun = session.get(Akun, akun_id) if akun_id else None
    return actor_of(session, akun) if akun is not None and akun.aktif else None


def admin_scope(actor: Actor) -> int | None:
    """The instansi an admin console user may act in: None for a superadmin (every instansi), the
    own instansi for an admin kinerja; anyone else is refused (403)."""
    from .errors import Forbidden

    if actor.has("superadmin"):
        return None
    if actor.has("admin_kinerja"):
        return actor.pegawai.instansi_id
    raise Forbidden("Halaman dan tindakan admin hanya untuk admin kinerja dan superadmin")
