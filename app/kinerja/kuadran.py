"""The kuadran kinerja as the deployed decision table says (for the predikat preview on the penilai's page).

The predikat of a penilaian is set by the diagram's business rule task (``predikat_kuadran.dmn``);
the page shows the same result before the penilai submits, by evaluating that very table of the
instance's own definition version for the nine rating pairs, never a copy of it in Python.
"""
from __future__ import annotations

from types import SimpleNamespace

from workflows.definitions import specs_of
from workflows.models import Instance
from workflows.scripting import Engine

from .penilaian import RATING


def predikat_table(instance: Instance) -> dict[str, dict[str, str | None]]:
    """``{rating_hasil_kerja: {rating_perilaku: predikat}}`` from the instance's decision table whose output
    is ``predikat`` (a diagram may call other tables too, e.g. the leader's rating)."""
    spec, _subs = specs_of(instance.definition)
    rule = next((t for t in spec.task_specs.values() if getattr(t, "dmnEngine", None) is not None
                 and any(o.name == "predikat" for o in t.dmnEngine.decision_table.outputs)), None)
    if rule is None:
        return {}
    engine = Engine()
    table: dict[str, dict[str, str | None]] = {}
    for hasil in RATING:
        for perilaku in RATING:
            task = SimpleNamespace(workflow=SimpleNamespace(script_engine=engine), task_spec=rule,
                                   data={"rating_hasil_kerja": hasil, "rating_perilaku": perilaku})
            table.setdefault(hasil, {})[perilaku] = rule.dmnEngine.result(task).get("predikat")
    return table
