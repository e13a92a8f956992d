"""The bell in the top bar and the Notifikasi page (list, open one, mark all read)."""
from __future__ import annotations

import logging
import math

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from app import get_session, notifications
from core.db import write_transaction
from app.request_input import as_id

from . import web
from .common import parse_id

PER_PAGE = 50


@web.context_processor
def _bell():
    """``notifikasi_belum_dibaca``: the signed-in pegawai's unread count for the bell (0 hides the badge)."""
    actor = g.get("actor")
    if actor is None:
        return {"notifikasi_belum_dibaca": 0}
    try:
        return {"notifikasi_belum_dibaca": notifications.unread_count(get_session(), actor.id)}
    except SQLAlchemyError:  # an error page must still render when the database is the problem
        logging.getLogger("ekinerja").exception("unread notifications could not be counted")
        try:
            get_session().rollback()
        except SQLAlchemyError:
            pass
        return {"notifikasi_belum_dibaca": 0}


def _page_number(value: str | None) -> int:
    return min(as_id(value) or 1, 999999)


@web.get("/notifikasi")
def notifications_page():
    db = get_session()
    unread_only = request.args.get("belum") == "1"
    total = notifications.count_for(db, g.actor.id, unread_only)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(_page_number(request.args.get("halaman")), pages)
    rows = notifications.list_for(db, g.actor.id, unread_only, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("notifications.html", rows=rows, page=page, pages=pages, total=total,
                           unread_only=unread_only, unread=notifications.unread_count(db, g.actor.id))


@web.post("/notifikasi/<notification_id>/baca")
def notification_read(notification_id):
    """Mark one notification read, then go where it points (a POST: it changes state; the form carries the CSRF token)."""
    db = get_session()
    with write_transaction(db):
        row = notifications.mark_read(db, g.actor.id, parse_id(notification_id))
        link = row.link
    if notifications.is_app_link(link):
        return redirect(link)
    return redirect(_back_to_list())


@web.post("/notifikasi/baca-semua")
def notifications_read_all():
    db = get_session()
    with write_transaction(db):
        count = notifications.mark_all_read(db, g.actor.id)
    flash("Semua notifikasi ditandai sudah dibaca." if count else "Tidak ada notifikasi yang belum dibaca.", "success")
    return redirect(_back_to_list())


def _back_to_list() -> str:
    page = _page_number(request.form.get("halaman"))
    args = {"halaman": page} if page > 1 else {}
    if request.form.get("belum") == "1":
        args["belum"] = 1
    return url_for("web.notifications_page", **args)
