"""Who is asking: login by NIP and password, bearer tokens for the API, the signed session for pages.

Revocation: the signed session cookie carries ``akun.session_version`` and an API token carries
``akun.token_version``; both are read with the akun row that is loaded on every request anyway, so the
check costs no extra query. Bumping a version (logout, password change, ``revoke``) ends every copy.

The check is one statement: the akun, its pegawai's instansi, jabatan and unor, and the posts the pegawai
acts in today as PLT/PLH (``roles_of``). A write transaction that follows keeps those rows loaded
(``core.memo.keep_read``) instead of reading them again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Date, and_, bindparam, select
from sqlalchemy.orm import Session, aliased, joinedload

from core.memo import keep_read
from workflows import clock

from .kinerja import org
from .kinerja.org import Akun, Jabatan, Pegawai, PenugasanPltPlh
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


def akun_by_nip(session: Session, nip: str) -> Akun | None:
    """The active account of the pegawai with this NIP (NIPs are digits: anything else finds none)."""
    nip = (nip or "").strip()
    if not (nip.isascii() and nip.isdigit() and len(nip) <= 32):
        return None
    return session.scalar(select(Akun).join(Pegawai, Akun.pegawai_id == Pegawai.id)
                          .where(Pegawai.nip == nip, Akun.aktif.is_(True)))


def authenticate(session: Session, nip: str, password: str) -> Actor | None:
    akun = akun_by_nip(session, nip)
    if akun is None or not verify_password(akun.password_hash, password or ""):
        return None
    return actor_of(session, akun)


def actor_of(session: Session, akun: Akun, acting: list[Jabatan] | None = None) -> Actor:
    """The actor of an akun; ``acting``: its PLT/PLH positions of today when already read (else read here)."""
    return Actor(akun.pegawai, akun, org.roles_of(session, akun.pegawai, akun, acting))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(actor: Actor, *, page_session: bool = False) -> str:
    """A bearer token. ``page_session``: a token a page hands to its own scripts (the workbench) also
    ends with the page session (logout), not only with ``revoke_tokens``."""
    data = {"akun": actor.akun.id, "v": actor.akun.token_version}
    if page_session:
        data["s"] = actor.akun.session_version
    return _serializer().dumps(data)


# the akun with its pegawai, their instansi, jabatan and unor in one statement: roles_of and most requests read them
_WITH_POSITION = (joinedload(Akun.pegawai).joinedload(Pegawai.jabatan).joinedload(Jabatan.unor),
                  joinedload(Akun.pegawai).joinedload(Pegawai.instansi))


@cache
def _akun_statement():
    """The akun with its position and today's PLT/PLH posts (parameters ``akun_id``, ``on``): built once,
    since building it cost more CPU than running it."""
    acting = aliased(Jabatan)
    return (select(Akun, acting).options(*_WITH_POSITION)
            .outerjoin(PenugasanPltPlh, and_(PenugasanPltPlh.pegawai_id == Akun.pegawai_id,
                                             org.acting_today(bindparam("on", type_=Date()))))
            .outerjoin(acting, acting.id == PenugasanPltPlh.jabatan_id)
            .where(Akun.id == bindparam("akun_id")).order_by(PenugasanPltPlh.id))


def _current_akun(session: Session, akun_id, versions: dict[str, object]) -> tuple[Akun, list[Jabatan]] | None:
    """The active akun whose version columns still equal the ones the cookie or token carries, with the
    positions its pegawai acts in today as PLT/PLH (for ``roles_of``), all in one statement."""
    if not isinstance(akun_id, int) or isinstance(akun_id, bool) or not 0 < akun_id < 2**31:
        return None
    if not all(isinstance(v, int) for v in versions.values()):
        return None
    only_this_read = not session.in_transaction()
    rows = session.execute(_akun_statement(), {"akun_id": akun_id, "on": clock.today()}).all()
    akun = rows[0][0] if rows else None
    if akun is None or not akun.aktif or any(getattr(akun, f) != v for f, v in versions.items()):
        return None
    if only_this_read:
        keep_read(session)  # a write transaction that follows goes on with these rows, not reading them again
    return akun, [j for _a, j in rows if j is not None]


def actor_from_token(session: Session, token: str) -> Actor | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    versions = {"token_version": data.get("v")}
    if "s" in data:
        versions["session_version"] = data["s"]
    found = _current_akun(session, data.get("akun"), versions)
    return actor_of(session, *found) if found is not None else None


def actor_from_cookie(session: Session, akun_id, session_version) -> Actor | None:
    """The actor of a signed session cookie: its akun id and the session version it was issued with."""
    found = _current_akun(session, akun_id, {"session_version": session_version})
    return actor_of(session, *found) if found is not None else None


def actor_from_id(session: Session, akun_id: int | None) -> Actor | None:
    """The actor of an active akun, without a cookie or token to check (scripts, tests)."""
    akun = session.get(Akun, akun_id) if akun_id else None
    return actor_of(session, akun) if akun is not None and akun.aktif else None


def revoke_sessions(akun: Akun) -> None:
    """End every signed session cookie of the akun (logout ends all copies of the cookie, everywhere)."""
    akun.session_version = (akun.session_version or 0) + 1


def revoke_tokens(akun: Akun) -> None:
    """End every API token issued to the akun so far."""
    akun.token_version = (akun.token_version or 0) + 1


def set_password(akun: Akun, password: str, *, fast: bool = False) -> None:
    """A new password ends every session and token opened with the old one."""
    from .kinerja.password import hash_password

    akun.password_hash = hash_password(password, fast=fast)
    revoke_all(akun)


def revoke_all(akun: Akun) -> None:
    """End every session and every token of the akun (a lost device, a misused account)."""
    revoke_sessions(akun)
    revoke_tokens(akun)


_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None) -> str:
    """Where to go after login: a local path only ("/skp/1?tahun=2026"), else "/".

    Refused: anything not starting with exactly one "/" ("//evil", "https://evil"), and any path that
    holds a backslash, whitespace or a control character once percent-decoded (browsers drop a tab or
    newline, so "/%09/evil" would become "//evil", and read "\\" as "/").
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    decoded = target
    for _ in range(3):  # "%2509" decodes to "%09" first
        decoded = unquote(decoded)
    if _UNSAFE_IN_PATH.search(target) or _UNSAFE_IN_PATH.search(decoded) or decoded.startswith("//"):
        return "/"
    return target


def admin_scope(actor: Actor) -> int | None:
    """The instansi an admin console user may act in: None for a superadmin (every instansi), the
    own instansi for an admin kinerja; anyone else is refused (403)."""
    from core.errors import Forbidden

    if actor.has("superadmin"):
        return None
    if actor.has("admin_kinerja"):
        return actor.pegawai.instansi_id
    raise Forbidden("Halaman dan tindakan admin hanya untuk admin kinerja dan superadmin")
