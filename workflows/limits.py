"""Time and memory limits of scripts and expressions of a diagram.

A script that loops forever or builds a huge value must not take a web worker, the
scheduler or the database write lock with it. Limits are checked in the same thread,
without a subprocess (a step costs microseconds):

* time: the compiled code calls ``_tick_()``, which compares the clock with the deadline,
  at the top of every loop body and function body, in every lambda, on every element of a
  comprehension or generator expression, and whenever it starts iterating (``_getiter_``). A script therefore
  cannot run more than one iteration or call past the deadline without noticing it.
  ``try`` is refused in scripts, so the error cannot be caught and the loop go on;
* memory: the operators that build a big value in one C call (``*``, ``**``, ``<<``) are
  compiled into calls to ``_binop_`` that refuse a result larger than the limit, and
  ``range`` refuses more elements than the limit can hold as a list. Values built step by
  step (appends in a loop, ``join`` of a generator) are bounded by the time limit. A single
C call iterating over a big value (``sum(range(8_000_000))``, ``sorted(s)``) is bounded by
the memory limit only.

``EKINERJA_SCRIPT_TIMEOUT_MS`` (default 1000) and ``EKINERJA_SCRIPT_MEMORY_MB`` (default 64)
set the limits; they are read on each run, so tests and deployments can change them.
"""
from __future__ import annotations

import ast
import os
import time

from RestrictedPython import RestrictingNodeTransformer

# Python-level multiplications of a value by a count, and the size of one element.
_BYTES_PER_ITEM = {str: 1, bytes: 1, list: 8, tuple: 8}
# Big integers cost quadratic time to build; cap their size apart from the memory limit.
MAX_INT_BITS = 1_000_000


class ScriptLimitExceeded(Exception):
    """A script or expression ran longer or built a bigger value than allowed."""


def timeout_seconds() -> float:
    return int(os.environ.get("EKINERJA_SCRIPT_TIMEOUT_MS", "1000")) / 1000


def memory_bytes() -> int:
    return int(os.environ.get("EKINERJA_SCRIPT_MEMORY_MB", "64")) * 1024 * 1024


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g} detik"


def _too_big(size: int) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"Skrip melewati batas memori {memory_bytes() // (1024 * 1024)} MB "
                               f"(nilai sekitar {size // (1024 * 1024)} MB)")


def _check_repeat(seq, count) -> None:
    per_item = next((n for kind, n in _BYTES_PER_ITEM.items() if isinstance(seq, kind)), None)
    if per_item is not None and isinstance(count, int) and count > 0:
        size = len(seq) * count * per_item
        if size > memory_bytes():
            raise _too_big(size)


def _check_int_bits(bits: int) -> None:
    if bits > min(MAX_INT_BITS, memory_bytes() * 8):
        raise ScriptLimitExceeded(f"Skrip melewati batas memori: bilangan bulat sekitar {bits:,} bit terlalu besar")


def binop(op: str, left, right):
    """``left op right`` for ``*``, ``**`` and ``<<``, refusing results beyond the limits."""
    if op == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        return left * right
    if op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_int_bits(left.bit_length() * right)
        return left ** right
    if isinstance(left, int) and isinstance(right, int) and right > 0:  # <<
        _check_int_bits(left.bit_length() + right)
    return left << right


def guarded_range(*args):
    """``range`` that holds at most as many elements as the memory limit allows in a list."""
    result = range(*args)
    if len(result) * 8 > memory_bytes():
        raise _too_big(len(result) * 8)
    return result


_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}


class LimitedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus: no ``print``, no ``try``, size-checked ``*``/``**``/``<<``, clock ticks."""

    def visit_Name(self, node):
        if node.id == "print":
            self.error(node, "print tidak tersedia dalam skrip; simpan nilai ke variabel proses")
        return super().visit_Name(node)

    def visit_Try(self, node):
        self.error(node, "try/except tidak diizinkan dalam skrip (batas waktu tidak boleh ditangkap)")
        return node

    visit_TryStar = visit_Try

    def _ticking(self, node):
        """``node`` (a loop or a function, already checked) with ``_tick_()`` as the first statement of its body."""
        tick = ast.Expr(ast.Call(func=ast.Name(id="_tick_", ctx=ast.Load()), args=[], keywords=[]))
        node.body.insert(0, ast.fix_missing_locations(ast.copy_location(tick, node.body[0])))
        return node

    def visit_While(self, node):
        return self._ticking(super().visit_While(node))

    def visit_For(self, node):
        return self._ticking(super().visit_For(node))

    def visit_FunctionDef(self, node):
        return self._ticking(super().visit_FunctionDef(node))

    def visit_comprehension(self, node):
        """Each ``for`` of a comprehension or generator expression ticks on every element."""
        node = super().visit_comprehension(node)
        tick = ast.Call(func=ast.Name(id="_tick_", ctx=ast.Load()), args=[ast.Constant(True)], keywords=[])
        node.ifs.insert(0, ast.fix_missing_locations(ast.copy_location(tick, node.iter)))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = ast.fix_missing_locations(ast.copy_location(
            ast.Call(func=ast.Name(id="_tick_", ctx=ast.Load()), args=[node.body], keywords=[]), node.body))
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        op = _OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(func=ast.Name(id="_binop_", ctx=ast.Load()),
                        args=[ast.Constant(op), node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


def clock_guards() -> dict:
    """``_tick_`` and ``_getiter_`` for one run: they raise once the time limit has passed."""
    limit = timeout_seconds()
    deadline = time.monotonic() + limit
    clock = time.monotonic

    def tick(value=None):
        if clock() > deadline:
            raise ScriptLimitExceeded(f"Skrip melewati batas waktu {_format_seconds(limit)}")
        return value

    return {"_tick_": tick, "_getiter_": tick}
