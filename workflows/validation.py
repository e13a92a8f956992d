"""Rules a diagram must keep before it is deployed, beyond what SpiffWorkflow's parser checks.

``check_xml`` reads the BPMN/DMN sources as XML (so it also sees elements the parser never
reaches) and returns errors and warnings: a diverging exclusive gateway needs a condition
on every outgoing flow or a default flow; every DMN table parses and its expressions
compile; each input of a DMN table a process calls should be set somewhere in that process
(a warning: it may come with the start data). ``locate`` gives every problem the line of
its element. The parser's own checks and the spec rules are in ``definitions.parse_sources``.
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass

from lxml import etree

from .forms import form_exists, schema_error, schema_of
from .scripting import ScriptRejected, compile_expression

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "https://www.omg.org/spec/DMN/20230324/MODEL/", "http://www.omg.org/spec/DMN/20151101/dmn.xsd")


@dataclass
class Problem:
    file: str
    message: str
    line: int | None = None
    element: str | None = None
    severity: str = "error"  # "error" refuses a deploy, "warning" does not

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "") + (f" ({self.element})" if self.element else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def _root(text: str):
    try:
        return etree.fromstring(text.encode())
    except etree.XMLSyntaxError:
        return None  # the parser reports it with its line


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _label(el) -> str:
    return f"'{el.get('name')}'" if el.get("name") else el.get("id", "?")


def _gateway_problems(file: str, root) -> list[Problem]:
    problems = []
    for process in root.iter(_q(BPMN, "process"), _q(BPMN, "subProcess")):
        flows = [f for f in process if f.tag == _q(BPMN, "sequenceFlow")]
        for gateway in process.iterchildren(_q(BPMN, "exclusiveGateway")):
            outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
            if len(outgoing) < 2:
                continue
            default = gateway.get("default")
            bare = [f.get("id") for f in outgoing if f.get("id") != default
                    and not (f.findtext(_q(BPMN, "conditionExpression")) or "").strip()]
            if default is None and bare:
                problems.append(Problem(file, f"gateway eksklusif {_label(gateway)}: alur keluar {', '.join(bare)} "
                                        "tanpa kondisi dan tidak ada alur bawaan (default)",
                                        gateway.sourceline, gateway.get("id")))
            elif bare:
                problems.append(Problem(file, f"gateway eksklusif {_label(gateway)}: alur keluar {', '.join(bare)} "
                                        "tanpa kondisi; hanya satu alur boleh menjadi alur bawaan",
                                        gateway.sourceline, gateway.get("id")))
    return problems


FORBIDDEN_NAMES = {"open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars",
                   "__import__", "input", "breakpoint", "type", "object", "memoryview", "help", "exit", "quit"}


def _script_problems(file: str, root) -> list[Problem]:
    """Scripts and conditions may not import modules nor call names outside the whitelist."""
    problems = []
    owners = {}
    for el in root.iter():
        for child in el:
            owners[child] = el
    for node in root.iter(_q(BPMN, "script"), _q(BPMN, "conditionExpression")):
        source = node.text or ""
        owner = owners.get(node, node)
        try:
            tree = ast.parse(source.strip() or "None", mode="exec")
        except SyntaxError:
            continue  # compile_restricted reports it
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)):
            problems.append(Problem(file, "skrip tidak boleh mengimpor modul (import); gunakan fungsi yang tersedia",
                                    node.sourceline, owner.get("id")))
        used = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & FORBIDDEN_NAMES)
        if used:
            problems.append(Problem(file, f"skrip memakai nama yang tidak diizinkan: {', '.join(used)}",
                                    node.sourceline, owner.get("id")))
    return problems


JUEL_OR_FEEL = ("${", "#{", "=")


def _camunda_problems(file: str, root) -> list[Problem]:
    """Camunda Modeler 7: expressions must be Python (assignment attributes: ``camunda.unsupported``)."""
    problems = []
    for node in root.iter(_q(BPMN, "conditionExpression"), _q(BPMN, "timeDate"), _q(BPMN, "timeDuration"),
                          _q(BPMN, "timeCycle")):
        text = (node.text or "").strip()
        if text.startswith(JUEL_OR_FEEL):
            owner = node.getparent()
            while owner is not None and not owner.get("id"):
                owner = owner.getparent()
            problems.append(Problem(file, f"ekspresi '{text}' ditulis dalam JUEL/FEEL (Camunda); mesin ini memakai "
                                    "ekspresi Python, mis. disetujui == True atau \"P7D\"", node.sourceline,
                                    owner.get("id") if owner is not None else None))
    for process in root.iter(_q(BPMN, "process")):
        if process.get("isExecutable") == "false":
            problems.append(Problem(file, f"proses {_label(process)} tidak bertanda dapat dijalankan "
                                    "(isExecutable=\"true\"); ia tidak akan dipasang. Centang 'Executable' di modeler",
                                    process.sourceline, process.get("id"), "warning"))
    return problems


def _names_in(expression: str) -> set[str]:
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _assigned_in(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _form_keys(task) -> list[str]:
    keys = [p.get("value") for p in task.iter(_q(SPIFF, "property")) if p.get("name") == "formKey"]
    return [k for k in keys + [task.get(_q(CAMUNDA, "formKey"))] if k]


def _set_names(process, decisions: dict) -> set[str]:
    """Names the steps of a process write into the task data (scripts, forms, services, DMN outputs)."""
    names: set[str] = set()
    for script in process.iter(_q(BPMN, "script")):
        names |= _assigned_in(script.text or "")
    for op in process.iter(_q(SPIFF, "serviceTaskOperator")):
        if op.get("resultVariable"):
            names.add(op.get("resultVariable"))
    for task in process.iter(_q(BPMN, "userTask"), _q(BPMN, "manualTask")):
        for key in _form_keys(task):
            if form_exists(key) and schema_error(key) is None:
                names |= set((schema_of(key).get("properties") or {}))
        for field in task.iter(_q(CAMUNDA, "formField")):
            names.add(field.get("id"))
    for rule in process.iter(_q(BPMN, "businessRuleTask")):
        names |= decisions.get(_decision_ref(rule), {}).get("outputs", set())
    for mi in process.iter(_q(BPMN, "multiInstanceLoopCharacteristics")):
        names |= {mi.get(_q(CAMUNDA, "elementVariable")) or ""}
        for item in mi.iter(_q(BPMN, "inputDataItem"), _q(BPMN, "outputDataItem")):
            names.add(item.get("name") or item.get("id") or "")
    return names - {""}


def _decision_ref(rule) -> str | None:
    called = rule.findtext(f"{_q(BPMN, 'extensionElements')}/{_q(SPIFF, 'calledDecisionId')}")
    return (called or rule.get(_q(CAMUNDA, "decisionRef")) or "").strip() or None


def _dmn_problems(file: str, root, decisions: dict) -> list[Problem]:
    problems = []
    ns = root.nsmap.get(None) or etree.QName(root).namespace
    for decision in root.iter(_q(ns, "decision")):
        tables = list(decision.iter(_q(ns, "decisionTable")))
        if not tables:
            problems.append(Problem(file, f"keputusan {_label(decision)} tidak punya tabel keputusan",
                                    decision.sourceline, decision.get("id")))
            continue
        table = tables[0]
        inputs, outputs = set(), set()
        for expr in table.iter(_q(ns, "inputExpression")):
            text = (expr.findtext(_q(ns, "text")) or "").strip()
            if not text:
                problems.append(Problem(file, "ekspresi masukan tabel keputusan kosong", expr.sourceline,
                                        expr.get("id")))
                continue
            try:
                compile_expression(text)
            except (ScriptRejected, SyntaxError) as exc:
                problems.append(Problem(file, f"ekspresi masukan '{text}' ditolak: {exc}", expr.sourceline,
                                        expr.get("id")))
            inputs |= _names_in(text)
        for output in table.iter(_q(ns, "output")):
            if not output.get("name"):
                problems.append(Problem(file, "keluaran tabel keputusan tanpa nama (name)", output.sourceline,
                                        output.get("id")))
            outputs.add((output.get("name") or "").split(".")[0])
        for entry in table.iter(_q(ns, "outputEntry")):
            text = (entry.findtext(_q(ns, "text")) or "").strip()
            if text:
                try:
                    compile_expression(text)
                except (ScriptRejected, SyntaxError) as exc:
                    problems.append(Problem(file, f"sel keluaran '{text}' ditolak: {exc}", entry.sourceline,
                                            entry.get("id")))
        decisions[decision.get("id")] = {"file": file, "inputs": inputs, "outputs": outputs - {""}}
    return problems


def _dmn_input_warnings(file: str, root, decisions: dict) -> list[Problem]:
    problems = []
    for process in root.iter(_q(BPMN, "process")):
        known = _set_names(process, decisions)
        for rule in process.iter(_q(BPMN, "businessRuleTask")):
            decision = decisions.get(_decision_ref(rule))
            if decision is None:
                continue  # the parser names a missing decision
            for name in sorted(decision["inputs"] - known):
                problems.append(Problem(
                    file, f"masukan '{name}' tabel keputusan '{_decision_ref(rule)}' tidak diisi oleh langkah mana "
                    "pun dalam proses (skrip, formulir, layanan); pastikan ada di data awal", rule.sourceline,
                    rule.get("id"), "warning"))
    return problems


def _task_warnings(file: str, root) -> list[Problem]:
    tags = [_q(BPMN, t) for t in ("userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask",
                                  "callActivity", "subProcess")]
    return [Problem(file, "elemen tanpa nama; beri nama agar mudah dikenali di daftar tugas dan riwayat",
                    el.sourceline, el.get("id"), "warning") for el in root.iter(*tags) if not (el.get("name") or "").strip()]


def check_xml(sources: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    decisions: dict[str, dict] = {}
    roots = {name: _root(text) for name, text in sources.items()}
    for name, root in roots.items():
        if root is not None and name.endswith(".dmn"):
            problems += _dmn_problems(name, root, decisions)
    for name, root in roots.items():
        if root is not None and name.endswith(".bpmn"):
            problems += _gateway_problems(name, root) + _dmn_input_warnings(name, root, decisions)
            problems += _task_warnings(name, root) + _script_problems(name, root) + _camunda_problems(name, root)
    return problems


def element_lines(sources: dict[str, str]) -> dict[str, tuple[str, int]]:
    """{element id: (file, line)} over every source."""
    found: dict[str, tuple[str, int]] = {}
    for name, text in sources.items():
        root = _root(text)
        if root is None:
            continue
        for el in root.iter():
            if isinstance(el.tag, str) and el.get("id") and el.get("id") not in found and "DI" not in el.tag:
                found[el.get("id")] = (name, el.sourceline)
    return found


def locate(problems: list[Problem], sources: dict[str, str]) -> list[Problem]:
    """Fill in file and line of problems that name an element; drop repeats; errors first."""
    lines = element_lines(sources)
    seen, out = set(), []
    for p in problems:
        if p.element and p.element in lines and not p.line:
            p.file, p.line = lines[p.element][0], lines[p.element][1]
        key = (p.file, p.element, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return sorted(out, key=lambda p: (p.severity != "error", p.file, p.line or 0))
