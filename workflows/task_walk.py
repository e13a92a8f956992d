"""Walking a workflow's task tree once per save: ``one_walk`` lists the tasks in an active state, and
``tasks_in`` answers the save's questions (ready, waiting, in error) from that list meanwhile."""
from __future__ import annotations

from contextlib import contextmanager

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_WALKED = "_ekinerja_active_tasks"


@contextmanager
def one_walk(workflow: BpmnWorkflow):
    """Walk the task tree once for the tasks in an ACTIVE state and let ``tasks_in`` answer from that list
    meanwhile (a save asked the tree five times: each ``get_tasks`` walks all of it)."""
    setattr(workflow, _WALKED, workflow.get_tasks(state=ACTIVE))
    try:
        yield
    finally:
        delattr(workflow, _WALKED)


def tasks_in(workflow: BpmnWorkflow, state: int, manual: bool | None = None) -> list:
    """``workflow.get_tasks(state=state, manual=manual)`` for a ``state`` within ACTIVE (the same tasks in
    the same order: every such filter walks the same part of the tree), from ``one_walk``'s list if any."""
    walked = getattr(workflow, _WALKED, None)
    if walked is None or state & ~ACTIVE:
        return workflow.get_tasks(state=state, manual=manual)
    return [t for t in walked if t.state & state and (manual is None or t.task_spec.manual == manual)]
