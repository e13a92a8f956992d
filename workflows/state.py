"""The stored state of an instance: our layout of SpiffWorkflow's serialized workflow (runtime state only, the
spec is stored once per definition version), as gzip JSON. Layout 2 leaves finished branches and default task
fields out; layout 1 rows load as they are."""
from __future__ import annotations

import gzip
import json
import threading

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

# our own layout of the stored state: 2 leaves finished branches and default task fields out (layout 1
# rows still load as they are); bump with a data migration when old rows can no longer be read
SCHEMA_VERSION = 2


FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def finished_branches(workflow) -> set:
    """Ids of the tasks of finished branches, which nothing can need again: a completed or cancelled
    task under a completed parent whose whole subtree is finished too, off the path to the workflow's
    last task: boundary events cancelled when their task completed, a reminder that fired (timer, service,
    end event) once the process end no longer waits on it, ended side paths. The instance's history is
    in ``instance_event``; what
    stays is the path from the root to where the instance stands (rewinding to it still works)."""
    done = {}
    for task in reversed(list(workflow.tasks.values())):  # children were created after their parents
        done[task.id] = bool(task.state & FINISHED) and all(done.get(c, False) for c in task._children)
    keep = set()
    task = workflow.last_task if workflow.last_task is not None and workflow.last_task.workflow is workflow else None
    while task is not None:
        keep.add(task.id)
        task = task.parent
    dropped = set()
    for task in workflow.tasks.values():
        if task.id in dropped or not done[task.id] or task.id in keep:
            continue
        parent = task.parent
        if parent is not None and parent.state == TaskState.COMPLETED and parent.id not in dropped:
            stack = [task]
            while stack:
                item = stack.pop()
                dropped.add(item.id)
                stack.extend(item.children)
    return dropped


class StateOnlyConverter(BpmnWorkflowConverter):
    """Leaves the spec out of the stored state (``from_dict`` gets the cached specs instead) and
    the finished branches of the tree (``finished_branches``), so the row does not grow with every
    reminder that fired or boundary event that was cancelled."""

    def to_dict(self, workflow):
        dropped = set()
        for item in (workflow, *workflow.subprocesses.values()):
            dropped |= finished_branches(item)
        dct = self._without(workflow, dropped)
        kept, reached, todo = {}, set(workflow.tasks) - dropped, True
        while todo:  # a subprocess stays while the task that runs it does (nested ones included)
            todo = False
            for task_id, sub in workflow.subprocesses.items():
                if task_id not in kept and task_id in reached:
                    kept[task_id] = sub
                    reached |= set(sub.tasks) - dropped
                    todo = True
        dct["subprocesses"] = {str(task_id): self._without(sub, dropped, self.registry.convert(sub))
                               for task_id, sub in kept.items()}
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _without(self, workflow, dropped: set, dct: dict | None = None) -> dict:
        if not dropped:
            return dct if dct is not None else WorkflowConverter.to_dict(self, workflow)
        tasks = workflow.tasks
        workflow.tasks = {k: t for k, t in tasks.items() if k not in dropped}
        try:
            dct = WorkflowConverter.to_dict(self, workflow) if dct is None else {
                **dct, "tasks": self.mapping_to_dict(workflow.tasks)}
        finally:
            workflow.tasks = tasks
        gone = {str(k) for k in dropped}
        for task in dct["tasks"].values():
            if any(c in gone for c in task["children"]):
                task["children"] = [c for c in task["children"] if c not in gone]
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        from uuid import UUID as _UUID
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_STATE_REGISTRY = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, BpmnWorkflow: StateOnlyConverter})
STATE_SERIALIZER = BpmnWorkflowSerializer(_STATE_REGISTRY)




_ENCODER_LOCK = threading.Lock()  # the registry's encoder flag is shared state


def dump_state(workflow: BpmnWorkflow) -> bytes:
    registry = STATE_SERIALIZER.registry
    with _ENCODER_LOCK:
        return _dump(workflow, registry)


# What a task dict holds when it says nothing: left out of the stored state, put back on load.
TASK_DEFAULTS = {"typename": "Task", "triggered": False, "internal_data": {}, "data": {}}
EMPTY_DELTAS = ({}, {"updates": {}, "deletions": []})


def _children_by_parent(tasks: dict) -> dict[str, list[str]]:
    """{task id: ids of the tasks naming it as parent, in the mapping's order}."""
    found: dict[str, list[str]] = {}
    for task_id, task in tasks.items():
        if task["parent"] is not None:
            found.setdefault(task["parent"], []).append(task_id)
    return found


def _compact_tasks(tasks: dict) -> None:
    """Leave out each task's id (its key), its children when the parents say the same in the same
    order, and the fields that hold their default (layout 2)."""
    derived = _children_by_parent(tasks)
    for task_id, task in tasks.items():
        del task["id"]
        if task["children"] == derived.get(task_id, []):
            del task["children"]
        for name, default in TASK_DEFAULTS.items():
            if task.get(name, 0) == default:
                del task[name]
        if task.get("delta", 0) in EMPTY_DELTAS:
            del task["delta"]


def _expand_tasks(tasks: dict) -> None:
    derived = _children_by_parent(tasks)
    for task_id, task in tasks.items():
        task["id"] = task_id
        if "children" not in task:
            task["children"] = derived.get(task_id, [])
        for name, default in TASK_DEFAULTS.items():
            if name not in task:
                task[name] = {} if isinstance(default, dict) else default
        if "delta" not in task:  # a child with an empty delta inherits its parent's data unchanged
            task["delta"] = {} if task["parent"] is None else {"updates": {}, "deletions": []}


def _dump(workflow: BpmnWorkflow, registry) -> bytes:
    registry._encoder_mode = True
    try:
        dct = STATE_SERIALIZER.to_dict(workflow)
        for item in (dct, *dct["subprocesses"].values()):
            _compact_tasks(item["tasks"])
        dct[STATE_SERIALIZER.VERSION_KEY] = STATE_SERIALIZER.VERSION
        text = json.dumps(dct, cls=STATE_SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False
    return gzip.compress(text.encode("utf-8"), compresslevel=6)


def load_state(state: bytes, spec, subprocess_specs: dict, script_engine) -> BpmnWorkflow:
    dct = json.loads(gzip.decompress(state))
    version = dct.pop(STATE_SERIALIZER.VERSION_KEY, None)
    if version != STATE_SERIALIZER.VERSION:
        raise RuntimeError(f"stored state has serializer version {version}, this build reads "
                           f"{STATE_SERIALIZER.VERSION}; migrate the instances first")
    for item in (dct, *dct["subprocesses"].values()):
        if item["tasks"] and "id" not in next(iter(item["tasks"].values())):  # layout 2 (_compact_tasks)
            _expand_tasks(item["tasks"])
    workflow = STATE_SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
