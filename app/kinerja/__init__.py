"""The domain: organisation, SKP and what the process diagrams do to them.

Importing this package registers the lane roles, forms and services the diagrams use.
"""
from . import penilaian, reminders, roles, skp_forms  # noqa: F401
from . import org_change, penugasan  # noqa: F401
