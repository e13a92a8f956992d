"""Download of a document a process made from a template (listed on the admin instance page and on Tugas Saya)."""
from __future__ import annotations

from flask import Response, g

from app import get_session
from app.documents import process_documents
from app.instance_access import may_see_documents
from core.errors import NotFound
from workflows.models import Instance

from . import web
from .common import parse_id


@web.get("/instance/<instance_id>/dokumen/<dokumen_id>")
def process_document(instance_id, dokumen_id):
    session = get_session()
    instance = session.get(Instance, parse_id(instance_id))
    if instance is None or not may_see_documents(session, g.actor, instance):
        raise NotFound("Instance proses tidak ditemukan")
    row = process_documents.get(session, instance.id, parse_id(dokumen_id))
    return Response(row.content, headers=process_documents.download_headers(row))
