"""Imports every mapped class so that the metadata knows all tables (migrations, tests)."""
from app.kinerja import org, skp  # noqa: F401
from app.notifications import models as notification_models  # noqa: F401
from workflows import models  # noqa: F401
