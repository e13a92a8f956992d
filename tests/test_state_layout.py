"""The stored state (issue 15 goal 3): finished branches and default fields are left out, the tree still
loads and runs, and a row in the previous layout still loads.

No database: ``store.dump_state`` / ``load_state`` on a small diagram (tests/bpmn/state_layout) with a
reminder timer on a user task, run in memory.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from workflows import store
from workflows.scripting import Engine

DIAGRAM = Path(__file__).parent / "bpmn" / "state_layout" / "pengingat.bpmn"


def _specs():
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    return parser.get_spec("uji_pengingat"), parser.get_subprocess_specs("uji_pengingat")


def _complete(workflow, bpmn_id):
    task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id)
    task.run()
    workflow.do_engine_steps()


def _fire_timers(workflow):
    for task in workflow.get_tasks(state=TaskState.WAITING):
        task.internal_data["event_value"] = "2000-01-01T00:00:00+00:00"
    workflow.refresh_timers()
    workflow.do_engine_steps()


def _stored(state: bytes) -> dict:
    return json.loads(gzip.decompress(state))


def _stored_names(workflow, state: bytes) -> list[str]:
    every = {str(t.id): t.task_spec.name for t in workflow.get_tasks()}
    return [every[task_id] for task_id in _stored(state)["tasks"]]


def test_a_cancelled_boundary_event_is_left_out_and_the_rest_still_runs():
    spec, subs = _specs()
    workflow = BpmnWorkflow(spec, subs, script_engine=Engine())
    workflow.do_engine_steps()
    _complete(workflow, "Tugas_A")  # before the reminder was due: the boundary timer is cancelled
    assert workflow.get_tasks(spec_name="Pengingat_A", state=TaskState.CANCELLED)

    state = store.dump_state(workflow)
    names = _stored_names(workflow, state)
    assert "Pengingat_A" not in names and {"Mulai", "Tugas_A", "Tugas_B"} <= set(names)
    assert len(names) < len(workflow.get_tasks())
    assert all("id" not in t and "typename" not in t for t in _stored(state)["tasks"].values())  # layout 2

    again = store.load_state(state, spec, subs, Engine())
    assert [t.task_spec.bpmn_id for t in again.get_tasks(state=TaskState.READY, manual=True)] == ["Tugas_B"]
    removed = again.reset_from_task_id(again.get_next_task(spec_name="Tugas_A").id)  # the path is rewindable
    assert removed and [t.task_spec.bpmn_id for t in again.get_tasks(state=TaskState.READY, manual=True)] == ["Tugas_A"]
    _complete(again, "Tugas_A")
    _complete(again, "Tugas_B")
    assert again.is_completed()


def test_a_fired_reminder_stays_while_its_end_waits_and_goes_when_the_process_ends():
    spec, subs = _specs()
    workflow = BpmnWorkflow(spec, subs, script_engine=Engine())
    workflow.do_engine_steps()
    _fire_timers(workflow)
    _complete(workflow, "Tugas_A")
    # the reminder's branch ended at the process end, which waits for Tugas B: it is kept meanwhile
    assert "Ingatkan" in _stored_names(workflow, store.dump_state(workflow))
    again = store.load_state(store.dump_state(workflow), spec, subs, Engine())
    _complete(again, "Tugas_B")
    assert again.is_completed()
    finished = store.dump_state(again)
    names = _stored_names(again, finished)
    assert "Ingatkan" not in names and "Selesai_Pengingat" not in names and "Tugas_B" in names
    done = store.load_state(finished, spec, subs, Engine())
    assert done.is_completed() and done.last_task.task_spec.name == again.last_task.task_spec.name


def test_a_state_in_the_previous_layout_still_loads():
    spec, subs = _specs()
    workflow = BpmnWorkflow(spec, subs, script_engine=Engine())
    workflow.do_engine_steps()
    workflow.get_next_task(state=TaskState.READY, manual=True).data["catatan"] = "draf"
    layout1 = store.STATE_SERIALIZER.to_dict(workflow)  # every task with its id and default fields
    layout1[store.STATE_SERIALIZER.VERSION_KEY] = store.STATE_SERIALIZER.VERSION
    state = gzip.compress(json.dumps(layout1, cls=store.STATE_SERIALIZER._encoder_cls).encode())
    assert all("id" in t and "children" in t for t in _stored(state)["tasks"].values())

    again = store.load_state(state, spec, subs, Engine())
    task = again.get_next_task(state=TaskState.READY, manual=True)
    assert task.task_spec.bpmn_id == "Tugas_A" and task.data["catatan"] == "draf"
    assert store.load_state(store.dump_state(again), spec, subs, Engine()).get_next_task(
        state=TaskState.READY, manual=True).data["catatan"] == "draf"
