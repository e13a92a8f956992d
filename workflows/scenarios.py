"""Process tests: a scenario runs a diagram from start data through its user tasks, in memory.

A scenario (JSON, ``bpmn/tests/<process_id>/*.json``) says::

    {"nama": "Disetujui pada pengajuan pertama",
     "data_awal": {"pegawai_id": 1, "tahun": 2099},
     "layanan": {"Service_AjukanSkp": "DIAJUKAN", "kirim_notifikasi": 1},
     "tugas": [{"tugas": "Task_SusunSkp", "data": {...}}, {"tugas": "Task_PeriksaSkp", "data": {...}}],
     "jalur": ["Start_SkpDibuat", "Script_TenggatPenetapan", ...],
     "data_akhir": {"keputusan": "SETUJUI"},
     "selesai": true}

Nothing touches the database: service tasks (``status_skp``, ``kirim_notifikasi``…) do not
run; each returns what ``layanan`` gives for its element id, else for its operator name,
else ``null``, and every call is reported with its parameters. User tasks are completed in
the order given, each only when it is ready, with data checked against the task's form
(the same JSON Schema check the pegawai's form gets). ``jalur`` is the exact order of the
elements the run passed (events, tasks, gateways); ``data_akhir`` is compared key by key.
Timers are not fired: start data should put deadlines in the future.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from core.errors import DomainError

from . import forms
from .scripting import Engine, RestrictedEnvironment

SCENARIO_KEYS = {"nama", "data_awal", "layanan", "tugas", "jalur", "data_akhir", "selesai", "proses"}


@dataclass
class Outcome:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    end_data: dict = field(default_factory=dict)
    service_calls: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"nama": self.name, "lulus": self.passed, "kegagalan": self.failures, "jalur": self.path,
                "data_akhir": _plain(self.end_data), "panggilan_layanan": self.service_calls}


def _plain(value):
    return json.loads(json.dumps(value, default=str))


class ScenarioEnvironment(RestrictedEnvironment):
    """Scripts run as in production; services answer from the scenario and are recorded."""

    def __init__(self, results: dict):
        super().__init__(None)
        self.results = results
        self.calls: list[dict] = []
        self.current: str | None = None

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        self.calls.append({"elemen": self.current, "layanan": operation_name, "parameter": _plain(params)})
        for key in (self.current, operation_name):
            if key in self.results:
                return json.dumps(self.results[key])
        return json.dumps(None)


class ScenarioEngine(Engine):
    def __init__(self, results: dict):
        super().__init__(None)
        self.environment = ScenarioEnvironment(results)

    def call_service(self, task, **kwargs):
        self.environment.current = task.task_spec.bpmn_id
        return super().call_service(task, **kwargs)


def check_scenario(scenario) -> None:
    """Raise a 422 naming what is wrong with a scenario's shape."""
    from core.errors import ValidationFailed

    if not isinstance(scenario, dict):
        raise ValidationFailed({"skenario": "harus berupa objek JSON"})
    fields = {f"skenario.{k}": "kolom tidak dikenal" for k in scenario if k not in SCENARIO_KEYS}
    for key, kind in (("data_awal", dict), ("layanan", dict), ("data_akhir", dict), ("tugas", list), ("jalur", list)):
        if key in scenario and not isinstance(scenario[key], kind):
            fields[f"skenario.{key}"] = "harus berupa " + ("objek" if kind is dict else "daftar")
    for i, step in enumerate(scenario.get("tugas") or [] if isinstance(scenario.get("tugas"), list) else []):
        if not isinstance(step, dict) or not isinstance(step.get("tugas"), str):
            fields[f"skenario.tugas[{i}].tugas"] = "wajib diisi (id elemen user task)"
        elif not isinstance(step.get("data", {}), dict):
            fields[f"skenario.tugas[{i}].data"] = "harus berupa objek"
    if fields:
        raise ValidationFailed(fields, "Skenario tidak valid")


def _path(workflow: BpmnWorkflow) -> list[str]:
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id
            and t.task_spec.__class__.__name__ not in ("BoundaryEventSplit", "BoundaryEventJoin")]
    order = {t.id: i for i, t in enumerate(workflow.get_tasks())}
    done.sort(key=lambda t: (t.last_state_change, order[t.id]))
    return [t.task_spec.bpmn_id for t in done]


def _form_key(task) -> str | None:
    props = (getattr(task.task_spec, "extensions", None) or {}).get("properties") or {}
    form = getattr(task.task_spec, "form", None)
    return props.get("formKey") or getattr(form, "key", None)


def run_scenario(spec, subprocess_specs: dict, scenario: dict, name: str = "skenario") -> Outcome:
    check_scenario(scenario)
    engine = ScenarioEngine(scenario.get("layanan") or {})
    outcome = Outcome(scenario.get("nama") or name, False)
    try:
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        start = scenario.get("data_awal") or {}
        workflow.task_tree.data.update(start)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(start)
        workflow.do_engine_steps()
        for i, step in enumerate(scenario.get("tugas") or []):
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            task = next((t for t in ready if t.task_spec.bpmn_id == step["tugas"]), None)
            if task is None:
                outcome.failures.append(f"langkah {i + 1}: tugas '{step['tugas']}' tidak siap; yang siap: "
                                        + (", ".join(t.task_spec.bpmn_id for t in ready) or "tidak ada"))
                break
            data = step.get("data") or {}
            key = _form_key(task)
            if key and forms.form_exists(key):
                try:
                    forms.validate(key, data)
                except DomainError as exc:
                    outcome.failures.append(f"langkah {i + 1} ({step['tugas']}): data tidak sesuai formulir "
                                            f"'{key}': {exc}")
                    break
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
    except Exception as exc:  # noqa: BLE001 - a failing script is the scenario's result, not a crash
        task = getattr(exc, "task", None)
        where = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        outcome.failures.append(f"galat{' di ' + where if where else ''}: {str(exc).splitlines()[0]}")
        outcome.service_calls = engine.environment.calls
        return outcome
    outcome.path = _path(workflow)
    outcome.end_data = {k: v for k, v in workflow.last_task.data.items()} if workflow.last_task else {}
    outcome.service_calls = engine.environment.calls
    if "jalur" in scenario and scenario["jalur"] != outcome.path:
        outcome.failures.append("jalur berbeda: diharapkan " + " → ".join(scenario["jalur"])
                                + "; terjadi " + " → ".join(outcome.path))
    for key, expected in (scenario.get("data_akhir") or {}).items():
        actual = _plain(outcome.end_data.get(key, "<tidak ada>"))
        if actual != expected:
            outcome.failures.append(f"data akhir '{key}': diharapkan {json.dumps(expected, ensure_ascii=False)}, "
                                    f"didapat {json.dumps(actual, ensure_ascii=False)}")
    if scenario.get("selesai", True) and not workflow.is_completed():
        waiting = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
        outcome.failures.append("proses belum selesai; menunggu " + (", ".join(waiting) or "timer/pesan"))
    if scenario.get("selesai") is False and workflow.is_completed():
        outcome.failures.append("proses sudah selesai padahal diharapkan masih berjalan")
    outcome.passed = not outcome.failures
    return outcome


def scenario_files(tests_dir: Path, process_id: str) -> dict[str, str]:
    """{"<process_id>/<file>.json": text} of the shipped scenarios of a process."""
    folder = tests_dir / process_id
    return {f"{process_id}/{p.name}": p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))}


def run_files(parsed_by_id: dict, scenarios: dict[str, str], default_process: str | None = None) -> list[dict]:
    """Run scenario texts {name: JSON}; the process is the folder name, ``proses`` or the default."""
    results = []
    for name, text in scenarios.items():
        try:
            scenario = json.loads(text)
        except ValueError as exc:
            results.append(Outcome(name, False, [f"JSON tidak valid: {exc}"]).as_dict() | {"file": name})
            continue
        process_id = (scenario.get("proses") if isinstance(scenario, dict) else None) \
            or (name.split("/")[0] if "/" in name else default_process)
        item = parsed_by_id.get(process_id)
        if item is None:
            results.append(Outcome(name, False, [f"proses '{process_id}' tidak ada di diagram"]).as_dict()
                           | {"file": name})
            continue
        try:
            outcome = run_scenario(item.spec, item.subprocess_specs, scenario, name)
        except DomainError as exc:
            outcome = Outcome(name, False, [f"{exc.message}: {exc}"])
        results.append(outcome.as_dict() | {"file": name})
    return results
