"""Notifications: rows and their Indonesian text, the bell and /notifikasi, the API, e-mail over SMTP.

Every test runs on SQLite and PostgreSQL; the e-mail tests talk to an aiosmtpd server on 127.0.0.1.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import threading
import time

import pytest
from conftest import find
from sqlalchemy import event, func, select, update
from test_demo_import import GOOD, HEADER, instansi, write_csv  # noqa: F401 - instansi is a fixture
from test_pages import Pages, text

from app import notifications
from core.db import write_transaction
from core.errors import NotFound, ValidationFailed
from app.kinerja import org
from app.kinerja.importer import import_pegawai
from app.kinerja.views import iso
from app.notifications import mail
from app.notifications.models import Notification
from workflows import clock

PUBLIC_URL = "https://ekinerja.contoh.go.id"


@pytest.fixture
def session(app):
    s = app.extensions["db_sessionmaker"]()
    yield s
    s.close()


@pytest.fixture
def pages(client):
    return Pages(client)


@pytest.fixture
def people(session, accounts):
    """Demo pegawai ids by role in the tests: a JF pegawai, his Kasi and the Kepala Dinas."""
    by_nip = {p.nip: p for p in session.scalars(select(org.Pegawai))}
    jf = find(accounts, "Pranata Komputer Ahli Pertama")
    return {"jf": by_nip[jf["nip"]], "kasi": by_nip[jf["pejabat_penilai_nip"]],
            "kadis": by_nip[find(accounts, "Kepala Dinas")["nip"]]}


@pytest.fixture
def smtp_reset(app):
    """Whatever a test configures, later tests start with the app's settings (e-mail off)."""
    yield
    notifications.configure(app.config)


def send(session, ids, kind="skp_disetujui", context=None, **kw):
    with write_transaction(session):
        return notifications.notify(session, ids, kind, context if context is not None else {"tahun": 2027}, **kw)


def rows_of(session, pegawai_id=None) -> list[Notification]:
    """The rows as they are now (a new read transaction: SQLite keeps an open one's snapshot)."""
    session.rollback()
    session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if pegawai_id is not None:
        query = query.where(Notification.pegawai_id == pegawai_id)
    return list(session.scalars(query))


# ---------------------------------------------------------------- notify


def test_notify_renders_indonesian_text_per_recipient(session, people):
    jf, kasi = people["jf"], people["kasi"]
    created = send(session, [jf.id, None, jf.id, kasi.id], "skp_dikembalikan",
                   {"tahun": 2027, "catatan": "Target IKI kedua belum terukur."}, link="/skp/7")
    assert [r.pegawai_id for r in created] == [jf.id, kasi.id]
    row = rows_of(session, jf.id)[0]
    assert row.kind == "skp_dikembalikan" and row.link == "/skp/7" and row.read_at is None
    assert row.subject == "SKP tahun 2027 dikembalikan untuk diperbaiki"
    assert row.body.startswith(f"Yth. {jf.nama_lengkap},")
    assert "Target IKI kedua belum terukur." in row.body and "ajukan kembali" in row.body
    # SMTP is off by default: nothing is queued although the demo pegawai have addresses.
    assert jf.email == f"{jf.nip}@demo.ekinerja.go.id"
    assert (row.email_status, row.email_to, row.email_attempts) == ("tidak", None, 0)

    send(session, [kasi.id], "tugas_baru", {"judul": "Periksa SKP", "nama_pegawai": jf.nama_lengkap,
                                            "tenggat": "2027-01-31T23:59:59+07:00"}, link="/tugas/x")
    task = rows_of(session, kasi.id)[-1]
    assert task.subject == f"Tugas baru: Periksa SKP ({jf.nama_lengkap})"
    assert "Tenggat: 31 Januari 2027" in task.body and "2027-01-31" not in task.body
    send(session, [kasi.id], "pengingat_tugas", {"judul": "Periksa SKP", "tenggat": "2027-03-01", "hari": 3})
    assert rows_of(session, kasi.id)[-1].subject == "Pengingat: Periksa SKP berakhir 3 hari lagi"
    assert "1 Maret 2027, 3 hari lagi" in rows_of(session, kasi.id)[-1].body


def test_every_kind_renders_without_context(session, people):
    for kind in notifications.KINDS:
        [row] = send(session, [people["jf"].id], kind, {})
        assert row.subject and "{" not in row.subject and "None" not in row.subject + row.body, kind
        assert people["jf"].nama_lengkap in row.body, kind


def test_dedup_key_gives_one_row_per_recipient(session, people):
    jf, kasi, kadis = people["jf"], people["kasi"], people["kadis"]
    first = send(session, [jf.id, kasi.id], dedup_key="skp-7-disetujui")
    again = send(session, [jf.id, kasi.id], dedup_key="skp-7-disetujui")
    assert len(first) == 2 and again == []
    assert sorted(r.dedup_key for r in rows_of(session)) == [f"skp-7-disetujui:{jf.id}", f"skp-7-disetujui:{kasi.id}"]
    # One recipient already has the key: the database skips that row alone (ON CONFLICT), in one INSERT.
    late = send(session, [jf.id, kadis.id], dedup_key="skp-7-disetujui")
    assert [r.pegawai_id for r in late] == [kadis.id]
    assert len(rows_of(session)) == 3
    assert session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.dedup_key == f"skp-7-disetujui:{jf.id}")) == 1


def test_notify_with_dedup_key_is_one_statement(app, session, people):
    """A recipient the session holds loaded costs no look-up; the dedup key no look-up nor savepoint: one INSERT."""
    jf, kasi = people["jf"], people["kasi"]
    statements = []
    engine = app.extensions["db_engine"]
    record = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with write_transaction(session):
            session.get(org.Pegawai, jf.id), session.get(org.Pegawai, kasi.id)  # loaded in this transaction
            statements.clear()
            [row] = notifications.notify(session, [jf.id], "skp_disetujui", {"tahun": 2027}, dedup_key="satu")
            assert len(statements) == 1 and statements[0].startswith("INSERT INTO notification"), statements
            assert row.id and row in session and row.dedup_key == f"satu:{jf.id}" and jf.nama_lengkap in row.body
            statements.clear()
            again = notifications.notify(session, [jf.id, kasi.id], "skp_disetujui", {"tahun": 2027}, dedup_key="satu")
            assert len(statements) == 1 and [r.pegawai_id for r in again] == [kasi.id]
            session.expunge(session.get(org.Pegawai, people["kadis"].id))  # not held: its name and e-mail are read
            statements.clear()
            assert len(notifications.notify(session, [people["kadis"].id], "skp_disetujui", {}, dedup_key="satu")) == 1
            assert len(statements) == 2 and "FROM pegawai" in statements[0], statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sorted(r.dedup_key for r in rows_of(session)) == sorted(
        f"satu:{p.id}" for p in (jf, kasi, people["kadis"]))


def test_several_recipients_in_one_statement_compiled_once(app, session, people):
    """Two and three recipients: one INSERT each, the second from SQLAlchemy's compiled cache (the rows travel as
    one JSON parameter, so their number does not change the statement); the rows hold what the ORM would store
    (the instant read back aware and equal, NULLs, the e-mail columns), and notify_many uses the same statement."""
    from sqlalchemy.engine.default import CACHE_HIT

    jf, kasi, kadis = people["jf"], people["kasi"], people["kadis"]
    engine, seen = app.extensions["db_engine"], []

    def listener(_conn, _cursor, statement, _params, context, _many):
        if statement.startswith("INSERT INTO notification"):
            seen.append(context.cache_hit)

    clock.set("2027-01-05T10:04:05+07:00")
    now = clock.now()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        two = send(session, [kasi.id, jf.id], "tugas_baru", {"judul": "Periksa SKP"}, link="/tugas/1")
        three = send(session, [jf.id, kasi.id, kadis.id], "skp_disetujui", dedup_key="banyak")
        with write_transaction(session):
            told = notifications.notify_many(session, [
                dict(pegawai_ids=[jf.id, kadis.id], kind="skp_disetujui", context={"tahun": 2028},
                     dedup_key="banyak"),
                dict(pegawai_ids=[kasi.id], kind="pemberitahuan", context={"judul": "Rapat", "isi": "Besok"})])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert [r.pegawai_id for r in two] == [kasi.id, jf.id] and [r.pegawai_id for r in three] == [jf.id, kasi.id, kadis.id]
    assert told == 1  # the two "banyak" rows exist already; the pemberitahuan is new
    assert len(seen) == 3 and seen[1] == CACHE_HIT, seen
    stored = {(r.pegawai_id, r.kind): r for r in rows_of(session)}
    assert len(stored) == 6
    row = stored[(kasi.id, "tugas_baru")]
    assert abs(row.created_at - now) < dt.timedelta(seconds=5) and row.created_at.utcoffset() == dt.timedelta(0)
    assert two[0].created_at == row.created_at  # what RETURNING gave is what a later read gives
    assert (row.link, row.read_at, row.dedup_key, row.email_to, row.email_status, row.email_attempts,
            row.email_error) == ("/tugas/1", None, None, None, "tidak", 0, "")
    assert "Periksa SKP" in row.subject and kasi.nama_lengkap in row.body
    assert stored[(kadis.id, "skp_disetujui")].dedup_key == f"banyak:{kadis.id}"
    assert stored[(kasi.id, "pemberitahuan")].subject == "Rapat"


def test_concurrent_duplicate_is_harmless(app, session, people):
    """Two transactions notify with one key at once: one row, no error (PostgreSQL: the unique index decides)."""
    factory, jf = app.extensions["db_sessionmaker"], people["jf"].id
    inserted, results, errors = threading.Event(), {}, []

    def first():
        s = factory()
        try:
            with write_transaction(s):
                results["first"] = len(notifications.notify(s, [jf], "skp_disetujui", {"tahun": 2027},
                                                            dedup_key="serentak"))
                inserted.set()
                time.sleep(0.5)  # the second transaction checks, finds nothing committed, and inserts
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            inserted.set()
        finally:
            s.close()

    def second():
        inserted.wait(10)
        s = factory()
        try:
            with write_transaction(s):
                results["second"] = len(notifications.notify(s, [jf], "skp_disetujui", {"tahun": 2027},
                                                             dedup_key="serentak"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and results == {"first": 1, "second": 0}
    assert [r.dedup_key for r in rows_of(session)] == [f"serentak:{jf}"]


def test_unknown_kind_and_foreign_link_are_refused(session, people):
    with pytest.raises(ValueError) as caught:
        send(session, [people["jf"].id], "skp_hilang", {})
    assert "skp_hilang" in str(caught.value) and "tugas_baru" in str(caught.value)
    for link in ("https://contoh.example/skp/1", "//contoh.example/x", "skp/1"):
        with pytest.raises(ValueError):
            send(session, [people["jf"].id], link=link)
    with pytest.raises(ValueError):
        send(session, [987654])
    assert rows_of(session) == []


def test_list_mark_read_and_mark_all_read(session, people):
    jf, kasi = people["jf"], people["kasi"]
    ids = [send(session, [jf.id], context={"tahun": 2020 + i})[0].id for i in range(3)]
    send(session, [kasi.id])
    assert notifications.unread_count(session, jf.id) == 3
    assert [r.id for r in notifications.list_for(session, jf.id)] == ids[::-1]
    assert [r.id for r in notifications.list_for(session, jf.id, limit=1, offset=1)] == [ids[1]]
    with write_transaction(session):
        first = notifications.mark_read(session, jf.id, ids[0])
    read_at = first.read_at
    assert read_at is not None and notifications.unread_count(session, jf.id) == 2
    assert [r.id for r in notifications.list_for(session, jf.id, unread_only=True)] == ids[:0:-1]
    with pytest.raises(NotFound):
        notifications.mark_read(session, kasi.id, ids[1])
    session.rollback()
    with write_transaction(session):
        assert notifications.mark_all_read(session, jf.id) == 2
    assert notifications.unread_count(session, jf.id) == 0 and notifications.unread_count(session, kasi.id) == 1
    assert iso(rows_of(session, jf.id)[0].read_at) == iso(read_at)  # the first reading is kept


# ---------------------------------------------------------------- pages


def bell_count(html: str) -> str | None:
    match = re.search(r'<span class="bell-count">([^<]*)</span>', html)
    return match.group(1) if match else None


def test_bell_page_and_mark_read(pages, session, people, accounts):
    jf = people["jf"]
    [old] = send(session, [jf.id], "skp_disetujui", {"tahun": 2026}, link="/skp")
    [new] = send(session, [jf.id], "skp_dikembalikan", {"tahun": 2027, "catatan": "Lengkapi lampiran."})
    [other] = send(session, [people["kasi"].id])
    assert pages.login(jf.nip).status_code == 302
    home = pages.html("/")
    assert bell_count(home) == "2" and 'href="/notifikasi"' in home

    page = pages.html("/notifikasi")
    body = text(page)
    assert body.index("SKP tahun 2027 dikembalikan") < body.index("SKP tahun 2026 disetujui")  # newest first
    assert page.count('class="notif notif-unread"') == 2 and "Lengkapi lampiran." in body
    assert "Tandai semua sudah dibaca" in body and "2 belum dibaca" in body
    assert "SKP tahun 2027 disetujui" not in body  # someone else's

    # Opening an item marks it read and follows its app-relative link.
    r = pages.post(f"/notifikasi/{old.id}/baca", {})
    assert r.status_code == 302 and r.headers["Location"] == "/skp"
    assert bell_count(pages.html("/")) == "1"
    assert pages.html("/notifikasi").count('class="notif notif-unread"') == 1
    # Without a link (or with one that leaves the app) it returns to the list.
    with write_transaction(session):
        session.execute(update(Notification).where(Notification.id == new.id).values(link="https://contoh.example/"))
    r = pages.post(f"/notifikasi/{new.id}/baca", {})
    assert r.status_code == 302 and r.headers["Location"] == "/notifikasi"
    assert bell_count(pages.html("/")) is None  # zero hides the badge
    # Someone else's notification, and a post without the form token, change nothing.
    assert pages.post(f"/notifikasi/{other.id}/baca", {}).status_code == 404
    assert pages.client.post(f"/notifikasi/{other.id}/baca", data={}).status_code == 400
    assert rows_of(session, people["kasi"].id)[0].read_at is None


def test_page_mark_all_read_and_pagination(pages, session, people):
    jf = people["jf"]
    for i in range(55):
        send(session, [jf.id], "skp_disetujui", {"tahun": 1900 + i})
    pages.login(jf.nip)
    assert bell_count(pages.html("/")) == "55"
    first = pages.html("/notifikasi")
    assert first.count('class="notif notif-unread"') == 50 and "Halaman 1 dari 2" in text(first)
    assert "SKP tahun 1954 disetujui" in first and "SKP tahun 1904 disetujui" not in first
    second = pages.html("/notifikasi?halaman=2")
    assert second.count('class="notif notif-unread"') == 5 and "SKP tahun 1904 disetujui" in second
    r = pages.post("/notifikasi/baca-semua", {"halaman": "2"})
    assert r.status_code == 302 and r.headers["Location"] == "/notifikasi?halaman=2"
    after = pages.html("/notifikasi")
    assert bell_count(after) is None and "notif-unread" not in after and "Semua sudah dibaca" in text(after)
    assert "Tandai semua sudah dibaca" not in text(after)
    assert notifications.unread_count(session, jf.id) == 0


# ---------------------------------------------------------------- API


def test_api_list_read_and_read_all(client, as_user, session, people):
    jf, kasi = people["jf"], people["kasi"]
    [older] = send(session, [jf.id], "skp_disetujui", {"tahun": 2026}, link="/skp/3")
    [newer] = send(session, [jf.id], "skp_belum_dibuat", {"tahun": 2027, "tenggat": "2027-01-31"}, link="/skp")
    [theirs] = send(session, [kasi.id])
    api = as_user(jf.nip)

    listed = api.get("/notifications").get_json()
    assert listed["unread"] == 2 and [i["id"] for i in listed["items"]] == [newer.id, older.id]
    item = listed["items"][0]
    assert set(item) == {"id", "kind", "subject", "body", "link", "created_at", "read_at"}
    assert item["kind"] == "skp_belum_dibuat" and item["link"] == "/skp" and item["read_at"] is None
    assert "31 Januari 2027" in item["body"] and re.match(r"\d{4}-\d\d-\d\dT.*[+-]\d\d:\d\d$", item["created_at"])
    assert [i["id"] for i in api.get("/notifications?limit=1&offset=1").get_json()["items"]] == [older.id]

    r = api.post(f"/notifications/{older.id}/read")
    assert r.status_code == 200 and r.get_json()["id"] == older.id and r.get_json()["read_at"]
    unread = api.get("/notifications?unread=1").get_json()
    assert unread["unread"] == 1 and [i["id"] for i in unread["items"]] == [newer.id]

    r = api.post(f"/notifications/{theirs.id}/read")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert rows_of(session, kasi.id)[0].read_at is None
    assert api.post("/notifications/99999999999/read").status_code == 404

    assert api.post("/notifications/read-all").get_json() == {"unread": 0}
    assert api.get("/notifications").get_json()["unread"] == 0
    assert notifications.unread_count(session, kasi.id) == 1

    for path in ("/api/v1/notifications", f"/api/v1/notifications/{newer.id}/read", "/api/v1/notifications/read-all"):
        r = client.get(path) if path.endswith("notifications") else client.post(path)
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized", path


def test_api_bad_parameters_are_named(as_user, people):
    api = as_user(people["jf"].nip)
    for query, name in (("limit=abc", "limit"), ("limit=0", "limit"), ("limit=1000", "limit"),
                        ("offset=-1", "offset"), ("offset=x", "offset"), ("unread=mungkin", "unread")):
        r = api.get(f"/notifications?{query}")
        body = r.get_json()
        assert r.status_code == 422 and body["error"]["code"] == "validation_error", query
        assert list(body["error"]["details"]["fields"]) == [name], query


def test_openapi_describes_notifications(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/notifications"]) == {"get"} and "422" in paths["/notifications"]["get"]["responses"]
    assert set(paths["/notifications/{id}/read"]) == {"post"}
    assert set(paths["/notifications/read-all"]) == {"post"}


# ---------------------------------------------------------------- e-mail


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collect:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(app, smtp_reset):
    from aiosmtpd.controller import Controller

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    notifications.configure({**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port,
                             "MAIL_FROM": "e-Kinerja Flow <noreply@ekinerja.contoh.go.id>",
                             "PUBLIC_URL": PUBLIC_URL + "/"})
    yield handler
    controller.stop()


def test_email_is_sent_once_with_the_absolute_link(app, session, people, smtp_server):
    jf, kasi = people["jf"], people["kasi"]
    with write_transaction(session):
        session.execute(update(org.Pegawai).where(org.Pegawai.id == kasi.id).values(email=None))
    [row] = send(session, [jf.id], "tugas_baru", {"judul": "Periksa SKP — revisi", "tenggat": "2027-01-31"},
                 link="/tugas/abc")
    [silent] = send(session, [kasi.id])
    assert (row.email_status, row.email_to) == ("antri", jf.email)
    assert (silent.email_status, silent.email_to) == ("tidak", None)

    report = notifications.send_queued_email(app.extensions["db_sessionmaker"])
    assert report == {"sent": 1, "failed": 0, "gave_up": 0}
    [(rcpt, raw)] = smtp_server.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpt == [jf.email] and message["To"] == jf.email
    assert message["Subject"] == "Tugas baru: Periksa SKP — revisi"
    assert message["From"] == "e-Kinerja Flow <noreply@ekinerja.contoh.go.id>"
    assert message["Message-ID"].endswith("@ekinerja.contoh.go.id>") and message["Date"]
    content = message.get_content()
    assert f"{PUBLIC_URL}/tugas/abc" in content and "31 Januari 2027" in content
    assert content.startswith(f"Yth. {jf.nama_lengkap},")
    sent = rows_of(session, jf.id)[0]
    assert (sent.email_status, sent.email_attempts, sent.email_error) == ("terkirim", 1, "")
    assert sent.email_sent_at is not None

    assert notifications.send_queued_email(app.extensions["db_sessionmaker"]) == {"sent": 0, "failed": 0, "gave_up": 0}
    assert len(smtp_server.messages) == 1


def test_email_failures_are_retried_later_then_given_up(app, session, people, smtp_reset):
    notifications.configure({**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port()})  # nobody listens
    send(session, [people["jf"].id])
    factory = app.extensions["db_sessionmaker"]
    assert notifications.send_queued_email(factory) == {"sent": 0, "failed": 1, "gave_up": 0}
    failed = rows_of(session)[0]
    assert (failed.email_status, failed.email_attempts) == ("antri", 1) and "127.0.0.1" in failed.email_error
    # Not again at once (the server may be back in a minute), but once the wait is over.
    assert notifications.send_queued_email(factory) == {"sent": 0, "failed": 0, "gave_up": 0}
    assert rows_of(session)[0].email_attempts == 1
    for attempt in range(2, mail.MAX_ATTEMPTS):
        clock.advance(dt.timedelta(hours=2))
        assert notifications.send_queued_email(factory)["failed"] == 1
        assert (rows_of(session)[0].email_status, rows_of(session)[0].email_attempts) == ("antri", attempt)
    clock.advance(dt.timedelta(hours=2))
    assert notifications.send_queued_email(factory) == {"sent": 0, "failed": 1, "gave_up": 1}
    given_up = rows_of(session)[0]
    assert (given_up.email_status, given_up.email_attempts) == ("gagal", 5) and given_up.email_sent_at is None
    clock.advance(dt.timedelta(days=1))
    assert notifications.send_queued_email(factory) == {"sent": 0, "failed": 0, "gave_up": 0}


def test_scheduler_job_sends_the_queue(app, session, people, smtp_server):
    from app import scheduler

    send(session, [people["jf"].id, people["kasi"].id])
    result = scheduler.run_once(app.extensions["db_sessionmaker"], ["email"])
    assert result == {"email": {"terkirim": 2, "gagal": 0, "dihentikan": 0}}
    assert sorted(rcpt[0] for rcpt, _raw in smtp_server.messages) == sorted([people["jf"].email, people["kasi"].email])


def test_smtp_settings_come_from_the_config(smtp_reset):
    settings = mail.configure({"SMTP_HOST": " mail.contoh.go.id ", "SMTP_PORT": "587", "SMTP_STARTTLS": "ya",
                               "SMTP_USER": "u", "PUBLIC_URL": "https://x.go.id/"})
    assert (settings.host, settings.port, settings.starttls, settings.ssl) == ("mail.contoh.go.id", 587, True, False)
    assert settings.public_url == "https://x.go.id" and settings.enabled
    assert not mail.configure({}).enabled
    with pytest.raises(ValueError):
        mail.configure({"SMTP_HOST": "h", "SMTP_SSL": True, "SMTP_STARTTLS": True})


# ---------------------------------------------------------------- import


def test_import_reads_and_checks_email(db_session, instansi, tmp_path):  # noqa: F811 - the fixture
    rows = [list(r) + [""] for r in GOOD]
    rows[0][-1] = "budi.santoso@dinas.contoh.go.id"
    rows[2][-1] = "andi wijaya@contoh"  # line 4
    rows[3][-1] = "rina@"  # line 5
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, write_csv(tmp_path / "surel.csv", [HEADER + ["E-mail"]] + rows), "PROV",
                       fast_hash=True)
    fields = caught.value.fields
    assert set(fields) == {"baris 4", "baris 5"}
    assert "andi wijaya@contoh" in fields["baris 4"] and "email" in fields["baris 4"]
    assert "rina@" in fields["baris 5"]
    assert db_session.scalar(select(func.count()).select_from(org.Pegawai)) == 0

    rows[2][-1] = rows[3][-1] = ""
    result = import_pegawai(db_session, write_csv(tmp_path / "ok.csv", [HEADER + ["email"]] + rows), "PROV",
                            fast_hash=True)
    assert result["pegawai_baru"] == 5
    emails = {p.nip: p.email for p in db_session.scalars(select(org.Pegawai))}
    assert emails[GOOD[0][0]] == "budi.santoso@dinas.contoh.go.id" and emails[GOOD[2][0]] is None
    # Without the column stored addresses stay; with it an empty cell removes one.
    assert import_pegawai(db_session, write_csv(tmp_path / "tanpa.csv", [HEADER] + GOOD), "PROV",
                          fast_hash=True)["pegawai_diubah"] == 0
    db_session.expire_all()
    assert db_session.scalar(select(org.Pegawai.email).where(org.Pegawai.nip == GOOD[0][0])) is not None
    rows[0][-1] = ""
    assert import_pegawai(db_session, write_csv(tmp_path / "hapus.csv", [HEADER + ["email"]] + rows), "PROV",
                          fast_hash=True)["pegawai_diubah"] == 1
    db_session.expire_all()
    assert db_session.scalar(select(org.Pegawai.email).where(org.Pegawai.nip == GOOD[0][0])) is None
