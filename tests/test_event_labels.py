"""Every kind of instance event the code logs has an Indonesian label in the admin console."""
from __future__ import annotations

import ast
from pathlib import Path

from app.web.admin import EVENT_LABEL

ROOT = Path(__file__).resolve().parent.parent


def logged_kinds() -> set[str]:
    kinds = set()
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "workflows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "log_event"
                    and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant)):
                kinds.add(node.args[2].value)
    return kinds


def test_every_logged_event_kind_has_a_label():
    kinds = logged_kinds()
    assert {"started", "task_completed", "rerouted"} <= kinds  # the scan finds the calls
    missing = sorted(k for k in kinds if k not in EVENT_LABEL)
    assert missing == [], f"event kinds without an Indonesian label in app/web/admin.py EVENT_LABEL: {missing}"
