"""What changed between two versions of a definition, element by element (for the visual diff).

Every element with an ``id`` in the BPMN and DMN sources (not the diagram interchange)
is summarised by its type, name, attributes and the content it owns that has no id of
its own: scripts, conditions, timer expressions, ``spiffworkflow:properties``, service
operators and their parameters, DMN cells. Two versions are compared id by id.
"""
from __future__ import annotations

from lxml import etree

SKIP_NS = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
           "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
           "http://www.omg.org/spec/DMN/20180521/DMNDI/", "https://www.omg.org/spec/DMN/20191111/DC/",
           "https://www.omg.org/spec/DMN/20191111/DI/")
REFERENCE_TAGS = ("incoming", "outgoing")  # follow from the flows themselves


def _local(tag) -> str:
    return etree.QName(tag).localname


def _owned(element, prefix: str, fields: dict) -> None:
    """Collect what an element owns (children without an id), as flat ``path: value`` fields."""
    for child in element:
        if not isinstance(child.tag, str) or child.get("id") and _local(child.tag) not in ("serviceTaskOperator",
                                                                                              "parameter"):
            continue
        name = _local(child.tag)
        if name in REFERENCE_TAGS:
            continue
        if name == "property" and child.get("name"):
            fields[f"{prefix}properti.{child.get('name')}"] = child.get("value", child.text or "")
            continue
        if name == "parameter" and child.get("id"):
            fields[f"{prefix}parameter.{child.get('id')}"] = child.get("value", "")
            continue
        key = f"{prefix}{name}"
        for attr, value in child.attrib.items():
            if _local(attr) != "type":
                fields[f"{key}@{_local(attr)}"] = value
        text = (child.text or "").strip()
        if text:
            fields[key] = (fields[key] + "\n" + text) if key in fields and name == "flowNodeRef" else text
        _owned(child, f"{key}.", fields)


def elements(sources: dict[str, str]) -> dict[str, dict]:
    """{element id: {"type", "name", "file", "fields"}} of every BPMN/DMN element with an id."""
    found: dict[str, dict] = {}
    for file, text in sorted(sources.items()):
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError:
            continue
        for el in root.iter():
            if not isinstance(el.tag, str) or not el.get("id") or etree.QName(el.tag).namespace in SKIP_NS:
                continue
            if _local(el.tag) in ("serviceTaskOperator", "parameter", "definitions"):
                continue
            fields = {f"@{_local(k)}": v for k, v in el.attrib.items() if _local(k) not in ("id", "name")}
            _owned(el, "", fields)
            found[el.get("id")] = {"type": _local(el.tag), "name": el.get("name") or el.get("label") or "",
                                   "file": file, "fields": fields}
    return found


def diff(old: dict[str, str], new: dict[str, str]) -> dict:
    """{"added": [...], "removed": [...], "changed": [{..., "changes": [{"field", "old", "new"}]}]}."""
    a, b = elements(old), elements(new)

    def brief(element_id: str, item: dict) -> dict:
        return {"id": element_id, "type": item["type"], "name": item["name"], "file": item["file"]}

    changed = []
    for element_id in sorted(set(a) & set(b)):
        x, y = a[element_id], b[element_id]
        changes = []
        if x["type"] != y["type"]:
            changes.append({"field": "tipe", "old": x["type"], "new": y["type"]})
        if x["name"] != y["name"]:
            changes.append({"field": "nama", "old": x["name"], "new": y["name"]})
        for key in sorted(set(x["fields"]) | set(y["fields"])):
            if x["fields"].get(key) != y["fields"].get(key):
                changes.append({"field": key, "old": x["fields"].get(key), "new": y["fields"].get(key)})
        if changes:
            changed.append(brief(element_id, y) | {"changes": changes})
    return {"added": [brief(i, b[i]) for i in sorted(set(b) - set(a))],
            "removed": [brief(i, a[i]) for i in sorted(set(a) - set(b))],
            "changed": changed,
            # the forms a version carries (JSON, not elements): which were added, removed or changed
            "forms": sorted(n for n in set(old) | set(new) if n.startswith("forms/") and old.get(n) != new.get(n))}
