"""Configuration from environment variables, with safe defaults for one machine."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "ya", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r} harus berupa angka") from None


def from_environment(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'ekinerja.db'}",
        "SECRET_KEY": _secret_key(instance_path),
        "WKHTMLTOPDF": os.environ.get("WKHTMLTOPDF") or "wkhtmltopdf",
        "BPMN_DIR": os.environ.get("BPMN_DIR") or str(Path(__file__).resolve().parent.parent / "bpmn"),
        "DOCUMENT_TEMPLATES": os.environ.get("DOCUMENT_TEMPLATES")
        or str(Path(__file__).resolve().parent.parent / "document_templates"),
        # An instansi's own document templates (letterhead, fonts): <dir>/<instansi kode>/<name>.html|.docx
        "TEMPLATE_DIR": os.environ.get("EKINERJA_TEMPLATE_DIR") or str(instance_path / "templates"),
        "TOKEN_TTL_SECONDS": int(os.environ.get("TOKEN_TTL_SECONDS", "28800")),
        "DEMO_TAHUN": int(os.environ.get("DEMO_TAHUN", "2026")),
        # Cheap password hashing only when a test asks for it; never in production.
        "PASSWORD_HASH_FAST": False,
        # Security (README, "Keamanan"; applied by app/security.py).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("EKINERJA_SECURE_COOKIES")
        or os.environ.get("PREFERRED_URL_SCHEME", "").strip().lower() == "https",
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "").strip().lower() or "http",
        "EKINERJA_FORCE_HTTPS": _flag("EKINERJA_FORCE_HTTPS"),
        "EKINERJA_PROXY_COUNT": _int("EKINERJA_PROXY_COUNT", 0),
        "EKINERJA_LOGIN_LIMIT_NIP": os.environ.get("EKINERJA_LOGIN_LIMIT_NIP") or "5 per 15 minutes",
        "EKINERJA_LOGIN_LIMIT_IP": os.environ.get("EKINERJA_LOGIN_LIMIT_IP") or "30 per 15 minutes",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "").strip().lower() not in ("0", "false", "no", "off"),
        # Bukti dukung files: stored outside the web root; the size limit is checked while streaming.
        "BUKTI_DUKUNG_DIR": os.environ.get("BUKTI_DUKUNG_DIR") or str(instance_path / "bukti_dukung"),
        "BUKTI_DUKUNG_MAX_MB": _int("BUKTI_DUKUNG_MAX_MB", 10),
        # Kegiatan harian: "ya" (every instansi), "tidak" (none) or the kode of the instansi that use it.
        "KEGIATAN_HARIAN": os.environ.get("EKINERJA_KEGIATAN_HARIAN", "ya"),
        "MAX_CONTENT_LENGTH": (max(16, _int("BUKTI_DUKUNG_MAX_MB", 10) + 1)) * 1024 * 1024,
        # Background jobs (documents to archive) of a request run in its web worker right after the
        # response as well as in ``ekinerja scheduler``; "0" leaves them to the scheduler alone.
        "JOBS_AFTER_RESPONSE": os.environ.get("EKINERJA_JOBS_AFTER_RESPONSE", "1").strip() not in ("0", "false", "no"),
        # E-mail of notifications; an empty SMTP_HOST turns e-mail off (in-app notifications stay).
        "SMTP_HOST": os.environ.get("SMTP_HOST", "").strip(),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS"),
        "SMTP_SSL": _flag("SMTP_SSL"),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "e-Kinerja Flow <noreply@localhost>",
        "PUBLIC_URL": (os.environ.get("EKINERJA_PUBLIC_URL") or os.environ.get("PUBLIC_URL")
                       or "http://127.0.0.1:5000").rstrip("/"),
        # Archived documents (README, "Verifikasi dokumen"): <dir>/<instansi kode>.p12 signs that instansi's PDFs.
        "SIGN_P12_DIR": os.environ.get("EKINERJA_SIGN_P12_DIR", "").strip() or None,
        "SIGN_P12_PASSPHRASE": os.environ.get("EKINERJA_SIGN_P12_PASSPHRASE", ""),
        "EKINERJA_VERIFIKASI_LIMIT": os.environ.get("EKINERJA_VERIFIKASI_LIMIT") or "30 per minute",
    }
