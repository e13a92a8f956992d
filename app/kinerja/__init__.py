"""The domain: organisation, SKP and what the process diagrams do to them.

Importing this package registers the lane roles, forms and services the diagrams use.
"""
from . import penilaian, reminders, roles, skp_forms  # noqa: F401
from . import capaian, kurva  # noqa: F401,E402
from . import bukti_dukung, pembukaan  # noqa: E402,F401
from . import dialog  # noqa: E402,F401
from . import org_change, penugasan  # noqa: F401
