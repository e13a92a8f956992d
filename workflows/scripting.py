"""Scripts, gateway conditions and service calls of a diagram, in a restricted environment.

SpiffWorkflow compiles scripts with the normal ``compile``, so even RestrictedPython's
``safe_globals`` leave ``().__class__.__base__.__subclasses__()`` open. Here every script
and expression is compiled with ``compile_restricted`` (no dunder names, no imports,
guarded attribute and item access) and sees only a small whitelist of names.

Service tasks (``spiffworkflow:serviceTaskOperator``) call operations registered by the
application (``register_service``); they run with the context of the current request
(database session, actor, instance), which is why an environment is made per engine run.

Each service call and script task is one step: it runs inside a SAVEPOINT of the run's
database session, so a step that fails rolls back what it wrote before the error reaches
the engine (the instance then waits in the error state with the domain as it was before
the step, and the admin's retry runs the step again from there).
"""
from __future__ import annotations

import datetime as dt
import inspect
import json
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Callable

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence,
                                     safer_getattr)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from core.errors import DomainError

from . import event_log
from .limits import LimitedTransformer, binop, clock_guards, guarded_range

_SERVICES: dict[str, Callable[..., Any]] = {}
# Deploy-time checks of a service's parameter values: ``check({name: {"value": expression, …}}) -> message | None``
_CHECKS: dict[str, Callable[[dict], "str | None"]] = {}


def register_service(name: str, check: Callable[[dict], "str | None"] | None = None):
    """Register ``fn(run, data, **params)`` as the service operation ``name`` of service tasks.

    Deployment checks the parameters of every service task against ``fn``'s signature, then with
    ``check`` (if given), which sees the parameters' expressions (e.g. that a named template exists)."""
    def decorate(fn):
        _SERVICES[name] = fn
        if check is not None:
            _CHECKS[name] = check
        return fn
    return decorate


def service_names() -> list[str]:
    return sorted(_SERVICES)


def service_call_problem(name: str, params) -> str | None:
    """Why calling the service ``name`` with the parameter names ``params`` would fail, or None."""
    fn = _SERVICES.get(name)
    if fn is None:
        return f"layanan '{name}' tidak dikenal (tersedia: {', '.join(service_names())})"
    signature = inspect.signature(fn)
    accepted = list(signature.parameters.values())[2:]  # after (run, data)
    if any(p.kind is p.VAR_KEYWORD for p in accepted):
        return None
    names = {p.name for p in accepted if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = sorted(set(params) - names)
    if unknown:
        return (f"layanan '{name}' tidak mengenal parameter {', '.join(unknown)} "
                f"(parameter: {', '.join(sorted(names)) or 'tidak ada'})")
    missing = sorted(p.name for p in accepted if p.name in names and p.default is p.empty and p.name not in params)
    if missing:
        return f"layanan '{name}' memerlukan parameter {', '.join(missing)}"
    check = _CHECKS.get(name)
    return check(dict(params)) if check is not None else None


def _inplacevar(op: str, x, y):
    ops = {"+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: binop("*", a, b),
           "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b}
    if op not in ops:
        raise SyntaxError(f"operator {op} tidak diizinkan dalam skrip")
    return ops[op](x, y)


_BUILTINS = {**safe_builtins, **{name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
                                 for name in ("all", "any", "dict", "enumerate", "list", "max", "min", "sum",
                                              "sorted", "reversed", "map", "filter", "set")},
            "range": guarded_range}

GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_binop_": binop,
}

# Plain helpers every script may use.
HELPERS = {"date": dt.date, "datetime": dt.datetime, "timedelta": dt.timedelta, "json_dumps": json.dumps}


class ScriptRejected(SyntaxError):
    """A script uses something the restricted environment does not allow."""


@lru_cache(maxsize=2048)
def compile_script(source: str):
    result = compile_restricted_exec(source, filename="<skrip>", policy=LimitedTransformer)
    if result.errors:
        raise ScriptRejected("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    result = compile_restricted_eval(source.strip(), filename="<ekspresi>", policy=LimitedTransformer)
    if result.errors:
        raise ScriptRejected("; ".join(result.errors))
    return result.code


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with restricted compilation; ``run`` is the per-request context for services."""

    def __init__(self, run: Any = None):
        super().__init__(dict(HELPERS))
        self.run = run

    def evaluate(self, expression, context, external_context=None):
        namespace = {**GUARDS, **self.globals, **(external_context or {}), **context, **clock_guards()}
        return eval(compile_expression(expression), namespace)  # noqa: S307 - restricted code object

    def execute(self, script, context, external_context=None):
        clash = set(self.globals).intersection(context)
        if clash:
            raise ValueError(f"data proses menimpa nama bawaan: {sorted(clash)}")
        code = compile_script(script)
        clock = clock_guards()
        namespace = {**GUARDS, **self.globals, **(external_context or {}), **context, **clock}
        exec(code, namespace)  # noqa: S102 - restricted code object
        reserved = set(GUARDS) | set(clock) | set(self.globals) | set(external_context or {})
        for key in list(context):
            if key not in namespace:
                del context[key]
        for key, value in namespace.items():
            if key in reserved or key.startswith("_") or callable(value):
                continue
            context[key] = value
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        fn = _SERVICES.get(operation_name)
        if fn is None:
            raise LookupError(f"layanan '{operation_name}' tidak dikenal; yang tersedia: {', '.join(service_names())}")
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        return json.dumps(fn(self.run, context, **params))


class Engine(PythonScriptEngine):
    """PythonScriptEngine whose service errors are reported properly (SpiffWorkflow 3.2.0 pitfall P9).

    A DomainError from a service (a guard that does not hold) passes through unchanged so
    the request that ran it is refused and rolled back; anything else becomes a
    WorkflowTaskException on the task, which puts the instance in the error state.
    """

    def __init__(self, run: Any = None):
        super().__init__(environment=RestrictedEnvironment(run))

    @contextmanager
    def step(self, task):
        """One service call or script of ``task``: all it writes to the database, or nothing.

        Inside a SAVEPOINT of the run's session (when the run has one and wants savepoints), flushed
        before it is released so a failing flush is rolled back with the step; ``run.step`` names the
        task meanwhile.
        """
        run = self.environment.run
        session = getattr(run, "session", None)
        previous = getattr(run, "step", None)
        if run is not None:
            run.step = task
        try:
            if session is None:
                yield
                return
            if not getattr(run, "savepoints", True):  # a failure rolls the whole run back (instances.StepFailed)
                yield
                session.flush()  # a write the database refuses fails this step, not a later one
                return
            marked = event_log.mark(session)
            try:
                with session.begin_nested():
                    yield
                    session.flush()
            except Exception:
                event_log.rewind(session, marked)  # the events it logged go with its savepoint
                raise
        finally:
            if run is not None:
                run.step = previous

    def execute(self, task, script, external_context=None):
        with self.step(task):
            return super().execute(task, script, external_context)

    def call_service(self, task, **kwargs):
        try:
            with self.step(task):
                return self.environment.call_service(task.data, **kwargs)
        except (DomainError, SpiffWorkflowException):
            raise
        except Exception as err:  # noqa: BLE001 - becomes the instance's error
            raise WorkflowTaskException(f"{err.__class__.__name__}: {err}", task=task, exception=err) from err

    def validate(self, expression):
        compile_expression(expression)
