"""The outbox: an approved SKP is archived after commit, exactly once, retried when rendering fails."""
from __future__ import annotations

import datetime as dt
import io
import threading

import docx
import pypdf
import pytest
from click.testing import CliRunner
from conftest import find
from flask.cli import ScriptInfo
from sqlalchemy import func, select
from test_pages import Pages
from test_skp_api import JPT_RHK, approve, create_and_submit, only_task

from app import jobs
from core.db import write_transaction
from app.kinerja.skp import DokumenArsip, Skp
from workflows import clock

EDITED = "Deskripsi yang diubah setelah rollback"


def _count(app, model, *where) -> int:
    session = app.extensions["db_sessionmaker"]()
    try:
        return session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        session.close()


def _jobs(app) -> list[jobs.Job]:
    session = app.extensions["db_sessionmaker"]()
    try:
        return list(session.scalars(select(jobs.Job).order_by(jobs.Job.id)))
    finally:
        session.close()


def _approve_kadis(accounts, as_user) -> tuple[int, object, object]:
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    skp_id = create_and_submit(kadis, [JPT_RHK])
    approve(sekda)
    assert kadis.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"
    return skp_id, kadis, sekda


def _admin(accounts, as_user):
    return as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])


def _pdf_text(data: bytes) -> str:
    return " ".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return " ".join([p.text for p in document.paragraphs]
                    + [c.text for t in document.tables for row in t.rows for c in row.cells])


@pytest.fixture
def renderer(app, database_url):
    """``set(path)`` makes the app's WKHTMLTOPDF setting ``path`` (as an app created with it); restored after."""
    from app import create_app

    made = []

    def set_wkhtmltopdf(path: str):
        made.append(create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "x",
                                "WKHTMLTOPDF": path, "JOBS_AFTER_RESPONSE": False}))
    yield set_wkhtmltopdf
    for other in made:
        other.extensions["db_engine"].dispose()
    set_wkhtmltopdf(app.config["WKHTMLTOPDF"])
    made[-1].extensions["db_engine"].dispose()


def test_approval_commits_one_pending_job_and_no_archive(app, accounts, as_user, run_jobs):
    skp_id, kadis, _ = _approve_kadis(accounts, as_user)
    assert _count(app, DokumenArsip) == 0
    [job] = _jobs(app)
    assert (job.kind, job.status, job.ref, job.attempts) == ("skp_arsip", "pending", f"skp:{skp_id}", 0)
    assert job.payload["context"]["status"] == "DISETUJUI"

    # the API says the copy is being prepared, and when to ask again
    r = kadis.get(f"/skp/{skp_id}/document.pdf?archived=1")
    assert r.status_code == 409 and r.headers["Retry-After"] == "30"
    assert r.get_json()["error"]["code"] == "document_pending"
    assert "sedang disiapkan" in r.get_json()["error"]["message"]

    assert run_jobs()["done"] == 1
    r = kadis.get(f"/skp/{skp_id}/document.pdf?archived=1")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert _count(app, DokumenArsip) == 2 and _jobs(app)[0].status == "done"


def test_archive_is_the_approved_state_after_rollback_and_edit(app, accounts, as_user):
    from app import scheduler

    skp_id, kadis, _ = _approve_kadis(accounts, as_user)
    assert _admin(accounts, as_user).post(f"/skp/{skp_id}/rollback", json={"reason": "Revisi"}).status_code == 200
    editor = only_task(kadis, "skp-editor")
    data = kadis.get(f"/tasks/{editor['id']}").get_json()["data"]
    data["rhk"][0]["deskripsi"] = EDITED
    saved = kadis.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": False}})  # a draft save
    assert saved.status_code == 200, saved.get_json()
    assert kadis.get(f"/skp/{skp_id}").get_json()["rhk"][0]["deskripsi"] == EDITED

    # the scheduler's outbox job (as ``ekinerja scheduler --once --job outbox``) archives it
    result = scheduler.run_once(app.extensions["db_sessionmaker"], ["outbox"])
    assert result == {"outbox": {"selesai": 1, "diulang": 0, "gagal": 0}}
    assert _count(app, DokumenArsip, DokumenArsip.skp_id == skp_id) == 2
    assert scheduler.run_once(app.extensions["db_sessionmaker"], ["outbox"])["outbox"]["selesai"] == 0

    pdf = _pdf_text(kadis.get(f"/skp/{skp_id}/document.pdf?archived=1").data)
    word = _docx_text(kadis.get(f"/skp/{skp_id}/document.docx?archived=1").data)
    for text in (pdf, word):
        assert JPT_RHK["deskripsi"] in text and EDITED not in text
        assert "BELUM DISETUJUI" not in text  # printed as approved, not as the draft it is now
    assert EDITED in _pdf_text(kadis.get(f"/skp/{skp_id}/document.pdf").data)  # the current one has the edit


def test_renderer_down_keeps_approval_and_retries(app, accounts, as_user, run_jobs, renderer, client):
    renderer("/nonexistent")
    skp_id, kadis, _ = _approve_kadis(accounts, as_user)  # approval works with the renderer down
    assert run_jobs() == {"done": 0, "retry": 1, "failed": 0, "lost": 0}
    [job] = _jobs(app)
    assert job.status == "pending" and job.attempts == 1 and "wkhtmltopdf" in job.last_error
    waited = job.next_attempt_at.replace(tzinfo=dt.timezone.utc) - clock.now()
    assert dt.timedelta(seconds=25) < waited <= dt.timedelta(seconds=30)
    assert run_jobs()["retry"] == 0  # not before its time

    clock.advance(dt.timedelta(seconds=31))
    assert run_jobs()["retry"] == 1
    [job] = _jobs(app)
    assert job.attempts == 2
    assert job.next_attempt_at.replace(tzinfo=dt.timezone.utc) - clock.now() > dt.timedelta(seconds=55)  # doubled

    # meanwhile the current PDF answers 503 with Retry-After (no server path shown); the DOCX still works
    r = kadis.get(f"/skp/{skp_id}/document.pdf")
    assert r.status_code == 503 and r.headers["Retry-After"] == "60"
    assert r.get_json()["error"]["code"] == "service_unavailable" and "/nonexistent" not in r.get_data(as_text=True)
    assert kadis.get(f"/skp/{skp_id}/document.docx").status_code == 200

    # the instance and the SKP are untouched by the failures
    assert kadis.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"
    history = kadis.get(f"/skp/{skp_id}").get_json()["history"]
    assert [h["action"] for h in history].count("setujui") == 1

    renderer("wkhtmltopdf")
    clock.advance(dt.timedelta(seconds=61))
    assert run_jobs()["done"] == 1
    assert _count(app, DokumenArsip, DokumenArsip.skp_id == skp_id) == 2
    assert kadis.get(f"/skp/{skp_id}/document.pdf?archived=1").status_code == 200


def test_given_up_job_is_shown_to_admins_and_requeued(app, accounts, as_user, run_jobs, renderer, client):
    renderer("/nonexistent")
    skp_id, kadis, _ = _approve_kadis(accounts, as_user)
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        session.scalar(select(jobs.Job)).attempts = jobs.MAX_ATTEMPTS - 1
    session.close()
    assert run_jobs()["failed"] == 1
    [job] = _jobs(app)
    assert job.status == "failed"

    r = kadis.get(f"/skp/{skp_id}/document.pdf?archived=1")
    assert r.status_code == 409 and "Retry-After" not in r.headers and r.get_json()["error"]["details"]["status"] == "failed"
    admin = _admin(accounts, as_user)
    assert kadis.get("/admin/jobs").status_code == 403
    failed = admin.get("/admin/jobs?status=failed").get_json()["items"]
    assert [j["id"] for j in failed] == [job.id] and "wkhtmltopdf" in failed[0]["last_error"]
    assert admin.get("/admin/jobs?status=nope").status_code == 422

    # the pages: the pegawai reads that the copy is not ready, the admin sees why
    pages = Pages(client)
    pages.login(kadis.nip)
    page = pages.html(f"/skp/{skp_id}")
    assert "belum dapat dibuat" in page and "wkhtmltopdf" not in page and "Unduh PDF arsip" not in page
    assert pages.get("/admin/tugas-latar").status_code == 403
    pages.login(admin.nip)
    page = pages.html(f"/skp/{skp_id}")
    assert "belum dapat dibuat" in page and "wkhtmltopdf" in page and "Ulangi pembuatan dokumen" in page
    assert "wkhtmltopdf" in pages.html("/admin/tugas-latar")

    # fixed and queued again by the admin (page, then API once more after another failure): archived
    assert pages.post(f"/admin/tugas-latar/{job.id}/ulangi", {}).status_code == 302
    assert _jobs(app)[0].status == "pending" and run_jobs()["retry"] == 1
    renderer("wkhtmltopdf")
    r = admin.post(f"/admin/jobs/{job.id}/retry")
    assert r.status_code == 200 and r.get_json()["status"] == "pending" and r.get_json()["attempts"] == 0
    assert run_jobs()["done"] == 1
    assert "Unduh PDF arsip" in pages.html(f"/skp/{skp_id}")
    assert admin.post(f"/admin/jobs/{job.id}/retry").status_code == 409  # done: nothing to repeat
    assert kadis.get(f"/skp/{skp_id}/document.docx?archived=1").status_code == 200


def test_cli_lists_and_requeues(app, accounts, as_user, renderer):
    from app.cli import main

    renderer("/nonexistent")
    _approve_kadis(accounts, as_user)
    info = ScriptInfo(create_app=lambda: app)
    runner = CliRunner()
    failed_run = runner.invoke(main, ["jobs", "run"], obj=info)
    assert failed_run.exit_code == 1 and '"retry": 1' in failed_run.output, failed_run.output
    [job] = _jobs(app)
    listed = runner.invoke(main, ["jobs", "--status", "pending"], obj=info)
    assert listed.exit_code == 0 and f"{job.id}\tskp_arsip" in listed.output and "wkhtmltopdf" in listed.output
    renderer("wkhtmltopdf")
    assert runner.invoke(main, ["jobs", "retry", str(job.id)], obj=info).exit_code == 0
    done = runner.invoke(main, ["jobs", "run"], obj=info)
    assert done.exit_code == 0 and '"done": 1' in done.output, done.output
    assert runner.invoke(main, ["jobs", "retry", str(job.id)], obj=info).exit_code == 1


def test_two_workers_store_one_archive(app, accounts, as_user):
    """Two workers racing for the due jobs (threads, each with its own connections) archive once."""
    skp_id, _, _ = _approve_kadis(accounts, as_user)
    factory = app.extensions["db_sessionmaker"]
    barrier, reports = threading.Barrier(2), []

    def worker(name):
        barrier.wait()
        reports.append(jobs.run_due(factory, name))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["done"] for r in reports) == 1, reports
    assert _count(app, DokumenArsip, DokumenArsip.skp_id == skp_id) == 2


def test_expired_lease_two_finishers_store_once(app, accounts, as_user):
    """A worker whose lease expired while it rendered finishes at the same time as the one that took the job
    over: only the current holder stores, the other learns it lost."""
    skp_id, _, _ = _approve_kadis(accounts, as_user)
    factory = app.extensions["db_sessionmaker"]
    [(job_id, first)] = jobs.claim(factory, "slow")
    clock.advance(jobs.LEASE + dt.timedelta(seconds=1))
    [(same, second)] = jobs.claim(factory, "fresh")
    assert same == job_id and first != second
    barrier, outcomes = threading.Barrier(2), {}

    def finish(token):
        barrier.wait()
        outcomes[token] = jobs.execute(factory, job_id, token)

    threads = [threading.Thread(target=finish, args=(t,)) for t in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == {first: "lost", second: "done"}
    assert _count(app, DokumenArsip, DokumenArsip.skp_id == skp_id) == 2


def test_runs_in_the_web_worker_after_the_response(app, accounts, as_user):
    app.config["JOBS_AFTER_RESPONSE"] = True
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    skp_id = create_and_submit(kadis, [JPT_RHK])
    task = only_task(sekda, "skp-review")
    # buffered: the test client closes the response as a WSGI server does once it has sent it
    r = sekda.post(f"/tasks/{task['id']}/complete", json={"data": {"keputusan": "SETUJUI", "catatan": ""}},
                   buffered=True)
    assert r.status_code == 200, r.get_json()
    assert [j.status for j in _jobs(app)] == ["done"]
    assert kadis.get(f"/skp/{skp_id}/document.pdf?archived=1").status_code == 200
    session = app.extensions["db_sessionmaker"]()
    assert session.get(Skp, skp_id).status == "DISETUJUI"
    session.close()


def test_enqueue_same_key_is_one_job_also_from_two_transactions_at_once(app):
    """The same key twice in one transaction returns the job of the first; two transactions enqueueing one key
    at once make one job and both succeed (PostgreSQL: the second waits on the unique index, then skips)."""
    factory = app.extensions["db_sessionmaker"]
    session = factory()
    try:
        with write_transaction(session):
            first = jobs.enqueue(session, "uji", "uji:satu", {"n": 1}, ref="uji:1")
            again = jobs.enqueue(session, "uji", "uji:satu", {"n": 2})
            assert again is first and session.info["enqueued_jobs"].count(first.id) == 1
            assert (first.status, first.attempts, first.payload, first.ref) == ("pending", 0, {"n": 1}, "uji:1")
    finally:
        session.close()

    inserted, results, errors = threading.Event(), {}, []

    def enqueue(name, hold):
        s = factory()
        try:
            with write_transaction(s):
                results[name] = jobs.enqueue(s, "uji", "uji:serentak", {"by": name}).id
                if hold:
                    inserted.set()
                    threading.Event().wait(0.5)  # the second transaction inserts the key meanwhile
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            inserted.set()
        finally:
            s.close()

    threads = [threading.Thread(target=enqueue, args=("first", True)),
               threading.Thread(target=lambda: (inserted.wait(10), enqueue("second", False)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    [job] = [j for j in _jobs(app) if j.key == "uji:serentak"]
    assert errors == [] and results == {"first": job.id, "second": job.id} and job.payload == {"by": "first"}


def test_rows_inserted_from_json_keep_a_json_column_as_it_is(app):
    """``insert_rows_skipping_conflict`` writes a JSON column's value once encoded (its own bind processing would
    encode it a second time, a string in the column instead of the object), and skips a key that exists."""
    from core.db import insert_rows_skipping_conflict

    def row(key):
        return dict(kind="uji", key=key, ref=None, instansi_id=None, payload={"a": [1, "dua"], "b": None},
                    status=jobs.PENDING, attempts=0, next_attempt_at=clock.now(), last_error="",
                    created_at=clock.now())

    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            ids = insert_rows_skipping_conflict(session, jobs.Job, [row("uji:1"), row("uji:2")], "key", ids_only=True)
            again = insert_rows_skipping_conflict(session, jobs.Job, [row("uji:2"), row("uji:3")], "key")
        assert len(ids) == 2 and [j.key for j in again] == ["uji:3"]
    finally:
        session.close()
    stored = {j.key: j.payload for j in _jobs(app) if j.kind == "uji"}
    assert stored == {f"uji:{n}": {"a": [1, "dua"], "b": None} for n in (1, 2, 3)}
