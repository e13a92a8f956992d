"""Pages of the process owners' workbench: the list, the modeler, versions and the visual diff.

The modeler page talks to the JSON API (``/api/v1/definitions/…``) with a token issued
for the logged-in account, so the page and integrators share one implementation of
drafts, validation, tests and deploy.
"""
from __future__ import annotations

from flask import Response, g, render_template, request, url_for

from app import get_session
from app.auth import issue_token
from core.errors import NotFound
from workflows import workbench

from . import web
from .common import parse_id


@web.get("/meja-kerja")
def workbench_list():
    workbench.require_reader(g.actor)
    return render_template("workbench_list.html", rows=workbench.definitions_overview(get_session()),
                           may_edit=g.actor.has(workbench.OWNER))


@web.get("/meja-kerja/<process_id>")
def workbench_modeler(process_id):
    workbench.require_reader(g.actor)
    row = workbench.definition_of(get_session(), process_id)
    config = {"processId": process_id, "api": url_for("api.list_definitions"),
              "token": issue_token(g.actor, page_session=True),  # ends with this page session too
              "mayEdit": g.actor.has(workbench.OWNER), "mainFile": workbench.main_file(row.sources, process_id),
              "versionsUrl": url_for("web.workbench_versions", process_id=process_id),
              "moddle": url_for("web.assets", filename="workbench/spiffworkflow-moddle.json")}
    return render_template("workbench_modeler.html", definition=row, config=config)


@web.get("/meja-kerja/<process_id>/versi")
def workbench_versions(process_id):
    workbench.require_reader(g.actor)
    session = get_session()
    rows = workbench.versions_of(session, process_id)
    from app.kinerja.org import Pegawai

    authors = {r.author_id: session.get(Pegawai, r.author_id) for r in rows if r.author_id}
    return render_template("workbench_versions.html", process_id=process_id, rows=rows, authors=authors)


@web.get("/meja-kerja/<process_id>/versi/<version>/unduh")
def workbench_download(process_id, version):
    workbench.require_reader(g.actor)
    row = workbench.definition_of(get_session(), process_id, parse_id(version))
    name = request.args.get("file")
    if name:
        if name not in row.sources:
            raise NotFound(f"File '{name}' tidak ada di versi {row.version}")
        return Response(row.sources[name], mimetype="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(workbench.version_zip(row), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{process_id}-v{row.version}.zip"'})


@web.get("/meja-kerja/<process_id>/beda")
def workbench_diff(process_id):
    workbench.require_reader(g.actor)
    session = get_session()
    old = workbench.definition_of(session, process_id, parse_id(request.args.get("dari", "")))
    new = workbench.definition_of(session, process_id, parse_id(request.args.get("ke", "")))
    from workflows.diff import diff

    changes = diff(old.sources, new.sources)
    config = {"old": old.sources.get(workbench.main_file(old.sources, process_id) or "", ""),
              "new": new.sources.get(workbench.main_file(new.sources, process_id) or "", ""),
              "added": [c["id"] for c in changes["added"]], "removed": [c["id"] for c in changes["removed"]],
              "changed": [c["id"] for c in changes["changed"]]}
    return render_template("workbench_diff.html", process_id=process_id, old=old, new=new, changes=changes,
                           config=config)
