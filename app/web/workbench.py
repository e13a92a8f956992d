"""Pages of the process owners' workbench: the list, the modeler, versions and the visual diff.

The modeler page talks to the JSON API (``/api/v1/definitions/…``) with a token issued
for the logged-in account, so the page and integrators share one implementation of
drafts, validation, tests and deploy. Every page takes ``?instansi_id=`` as the API does (a
process owner: his own instansi; a superadmin: the one named, ``0`` the national default, none: all).
"""
from __future__ import annotations

from flask import Response, g, render_template, request, url_for

from app import get_session
from app.auth import issue_token
from workflows import workbench

from . import web
from .common import parse_id


def _scope():
    """The view of this page and the ``instansi_id`` argument its links carry on (None: none given)."""
    from app.api.workbench import view

    requested = request.args.get("instansi_id") or None
    return view(), ({"instansi_id": requested} if requested is not None else {})


def _instansi_names(session, ids) -> dict:
    from app.kinerja.org import Instansi

    return {i: session.get(Instansi, i).nama for i in set(ids) if i}


@web.get("/meja-kerja")
def workbench_list():
    session = get_session()
    scope, carry = _scope()
    rows = workbench.definitions_overview(session, scope)
    return render_template("workbench_list.html", rows=rows,
                           may_edit=g.actor.has(workbench.OWNER, workbench.SUPERADMIN),
                           every=scope.every, carry=carry,
                           instansi=_instansi_names(session, [r["instansi_id"] for r in rows] + [scope.instansi_id]),
                           scope=scope)


@web.get("/meja-kerja/<process_id>")
def workbench_modeler(process_id):
    scope, carry = _scope()
    row = workbench.definition_of(get_session(), process_id, view=scope)
    if scope.every:  # a superadmin opening a process without naming an instansi edits what its version belongs to
        carry = {"instansi_id": row.instansi_id or workbench.NATIONAL}
    config = {"processId": process_id, "api": url_for("api.list_definitions"),
              "token": issue_token(g.actor, page_session=True),  # ends with this page session too
              "mayEdit": g.actor.has(workbench.OWNER, workbench.SUPERADMIN),
              "mainFile": workbench.main_file(row.sources, process_id),
              "versionsUrl": url_for("web.workbench_versions", process_id=process_id, **carry),
              "instansiId": carry.get("instansi_id"),
              "moddle": url_for("web.assets", filename="workbench/spiffworkflow-moddle.json")}
    target = int(carry["instansi_id"]) if carry else scope.instansi_id  # where a deploy from this page goes
    return render_template("workbench_modeler.html", definition=row, config=config,
                           target=_instansi_names(get_session(), [target]).get(target, "bawaan nasional"),
                           source=_instansi_names(get_session(), [row.instansi_id]).get(row.instansi_id,
                                                                                          "bawaan nasional"))


@web.get("/meja-kerja/<process_id>/versi")
def workbench_versions(process_id):
    session = get_session()
    scope, carry = _scope()
    rows = workbench.versions_of(session, process_id, scope)
    from app.kinerja.org import Pegawai

    authors = {r.author_id: session.get(Pegawai, r.author_id) for r in rows if r.author_id}
    return render_template("workbench_versions.html", process_id=process_id, rows=rows, authors=authors,
                           running=workbench.instance_counts(session, rows, scope), carry=carry,
                           instansi=_instansi_names(session, [r.instansi_id for r in rows]))


@web.get("/meja-kerja/<process_id>/versi/<version>/unduh")
def workbench_download(process_id, version):
    row = workbench.definition_of(get_session(), process_id, parse_id(version), _scope()[0])
    name = request.args.get("file")
    if name:
        from app.api.workbench import file_response

        return file_response(row, name)
    return Response(workbench.version_zip(row), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{process_id}-v{row.version}.zip"'})


@web.get("/meja-kerja/<process_id>/beda")
def workbench_diff(process_id):
    session = get_session()
    scope = _scope()[0]
    old = workbench.definition_of(session, process_id, parse_id(request.args.get("dari", "")), scope)
    new = workbench.definition_of(session, process_id, parse_id(request.args.get("ke", "")), scope)
    from workflows.diff import diff

    changes = diff(old.sources, new.sources)
    config = {"old": old.sources.get(workbench.main_file(old.sources, process_id) or "", ""),
              "new": new.sources.get(workbench.main_file(new.sources, process_id) or "", ""),
              "added": [c["id"] for c in changes["added"]], "removed": [c["id"] for c in changes["removed"]],
              "changed": [c["id"] for c in changes["changed"]]}
    return render_template("workbench_diff.html", process_id=process_id, old=old, new=new, changes=changes,
                           config=config)
