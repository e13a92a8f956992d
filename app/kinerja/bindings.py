"""The roles, relations, forms, services and jobs the diagrams and the scheduler use.

Each domain module registers its own with decorators (``register_form``, ``register_service``,
``register_role``, ``register_relation``, ``job``) when it is imported; ``load()`` imports all of them
once. Called by ``create_app``, the scheduler and the benchmarks; the modules stay free to import
one another without pulling in the whole domain.
"""
from __future__ import annotations


def load() -> None:
    """Import every module that registers something for the diagrams or the scheduler.

    The order is the order of the scheduler's jobs in a round (``run_once``): the period jobs first, the
    outbox (registered by the SKP archive that ``skp_lifecycle`` imports) after the domain's jobs.
    """
    from . import angka_kredit, penilaian, pembukaan  # noqa: F401
    from . import reminders, roles  # noqa: F401
    from . import org_change, penugasan  # noqa: F401
    from . import skp_forms  # noqa: F401
    from . import capaian, kurva  # noqa: F401
    from . import bukti_dukung  # noqa: F401
    from . import dialog  # noqa: F401
    from . import monitoring  # noqa: F401
    from . import susunan_unit  # noqa: F401
    from app.documents import process_documents  # noqa: F401 - the service buat_dokumen
    from . import penilai  # noqa: F401
