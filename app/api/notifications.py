"""The caller's notifications: list (with the unread count), mark one read, mark all read."""
from __future__ import annotations

from flask import g, jsonify, request

from app import get_session, notifications
from core.db import write_transaction
from core.errors import ValidationFailed
from app.kinerja.views import iso
from app.request_input import ID_MAX, int_arg

from . import api, login_required

MAX_LIMIT = 200


def notification_view(row) -> dict:
    return {"id": row.id, "kind": row.kind, "subject": row.subject, "body": row.body, "link": row.link,
            "created_at": iso(row.created_at), "read_at": iso(row.read_at)}


@api.get("/notifications")
@login_required
def list_notifications():
    unread = request.args.get("unread", "").strip().lower()
    if unread not in ("", "0", "1", "true", "false"):
        raise ValidationFailed({"unread": f"isi 1 atau 0, bukan '{unread[:40]}'"}, "Parameter unread tidak valid")
    limit = int_arg(request.args, "limit", 50, 1, MAX_LIMIT)
    offset = int_arg(request.args, "offset", 0, 0, ID_MAX)
    session = get_session()
    rows = notifications.list_for(session, g.actor.id, unread in ("1", "true"), limit=limit, offset=offset)
    return jsonify({"unread": notifications.unread_count(session, g.actor.id),
                    "items": [notification_view(r) for r in rows]})


@api.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id):
    session = get_session()
    with write_transaction(session):
        row = notifications.mark_read(session, g.actor.id, notification_id)
    return jsonify(notification_view(row))


@api.post("/notifications/read-all")
@login_required
def read_all_notifications():
    session = get_session()
    with write_transaction(session):
        notifications.mark_all_read(session, g.actor.id)
    return jsonify({"unread": notifications.unread_count(session, g.actor.id)})
