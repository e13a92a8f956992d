"""What a submission and an approval of an SKP send to the database: one UPDATE of the SKP per status
change, its history row added without reading the history, an unchanged lampiran not written again, the
archive's frozen context the same as one built afresh; and the RHK an SKP may intervene remembered by the
session until it writes what they are read from (core.memo). On SQLite and PostgreSQL."""
from __future__ import annotations

from contextlib import contextmanager

from conftest import DEMO_TAHUN, find
from sqlalchemy import event, select
from test_skp_api import JPT_RHK, LAMPIRAN, approve, create_and_submit, kadis_approved, only_task  # noqa: F401

from app.documents.skp import ARCHIVE_JOB, build_context
from app.jobs import Job
from app.kinerja.cascade import allowed_rhk_atasan
from app.kinerja.skp import Skp
from app.kinerja.skp_lifecycle import transition


@contextmanager
def recording(app):
    """The statements the app's engine sends meanwhile, whitespace collapsed."""
    engine, statements = app.extensions["db_engine"], []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _skp_writes(statements):
    return [s for s in statements if s.startswith("UPDATE skp ")]


def test_submission_and_approval_update_the_skp_once_each(app, accounts, as_user):
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    with recording(app) as submitted:
        skp_id = create_and_submit(kadis, [JPT_RHK])
    assert len(_skp_writes(submitted)) == 1 and "tanggal_pengajuan" in _skp_writes(submitted)[0]
    with recording(app) as approved:
        approve(sekda)
    (update,) = _skp_writes(approved)
    assert "status" in update and "tanggal_penetapan" in update
    # the history is appended to, never read, by either request
    assert not [s for s in submitted + approved if s.startswith("SELECT") and "FROM skp_riwayat" in s]

    got = kadis.get(f"/skp/{skp_id}").get_json()
    assert got["status"] == "DISETUJUI" and got["tanggal_penetapan"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in got["history"]] == [
        ("buat", None, "DRAFT"), ("ajukan", "DRAFT", "DIAJUKAN"), ("setujui", "DIAJUKAN", "DISETUJUI")]

    # the archive job froze the same context a fresh session builds from the rows
    session = app.extensions["db_sessionmaker"]()
    try:
        skp = session.get(Skp, skp_id)
        assert skp.snapshot["pegawai"]["nama"] and skp.snapshot["penilai"]["nama"]
        job = session.scalar(select(Job).where(Job.kind == ARCHIVE_JOB, Job.ref == f"skp:{skp_id}"))
        assert job is not None and job.payload["riwayat_id"] == skp.riwayat[-1].id
        assert job.payload["context"] == build_context(session, skp)
    finally:
        session.close()


def test_a_save_that_changes_no_lampiran_writes_none(app, accounts, as_user):
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    skp = kadis.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()
    editor = only_task(kadis, "skp-editor")

    def save(data):
        r = kadis.post(f"/tasks/{editor['id']}/complete", json={"data": {**data, "ajukan": False}})
        assert r.status_code == 200, r.get_json()

    save({"rhk": [JPT_RHK], "lampiran": LAMPIRAN})
    data = kadis.get(f"/tasks/{editor['id']}").get_json()["data"]
    with recording(app) as statements:
        save(data)
    assert not [s for s in statements if "lampiran_item" in s and not s.startswith("SELECT")]

    assert not [s for s in statements if any(f"{verb} {table}" in s for verb in ("UPDATE", "INSERT INTO", "DELETE FROM")
                                             for table in ("skp ", "rhk ", "iki ", "lampiran_item "))], statements
    # nor is anything of it left for the flush to go through (a value set again, even an equal one, would be)
    assert _dirty_at_flush(app, skp["id"], data) == set()
    assert _dirty_at_flush(app, skp["id"], {**data, "rhk": [{**data["rhk"][0], "deskripsi": "Lain"}]}) == {"Rhk"}

    changed = {"dukungan_sumber_daya": ["Akses internet", "Laptop", "Ruang rapat"],
               "skema_pertanggungjawaban": LAMPIRAN["skema_pertanggungjawaban"], "konsekuensi": []}
    save({**data, "lampiran": changed})
    assert kadis.get(f"/skp/{skp['id']}").get_json()["lampiran"] == changed


def _dirty_at_flush(app, skp_id: int, data: dict) -> set[str]:
    """The kinds of rows ``write_editor_data`` leaves changed for its flush (the transaction rolled back)."""
    from sqlalchemy.orm import joinedload, selectinload

    from app.kinerja.skp import Rhk
    from app.kinerja.skp_forms import write_editor_data

    session, seen = app.extensions["db_sessionmaker"](), set()
    event.listen(session, "before_flush", lambda s, *_: seen.update(type(o).__name__ for o in s.dirty | s.new))
    try:
        skp = session.get(Skp, skp_id, options=(selectinload(Skp.rhk).joinedload(Rhk.iki), joinedload(Skp.lampiran)))
        write_editor_data(session, skp, data)
        return seen
    finally:
        session.rollback()
        session.close()


def test_the_history_row_joins_a_history_already_loaded(app, kadis_approved):  # noqa: F811
    session = app.extensions["db_sessionmaker"]()
    try:
        skp = session.get(Skp, kadis_approved["id"])
        before = [r.action for r in skp.riwayat]
        transition(session, skp, "DRAFT", None, "Revisi perjanjian kinerja")
        assert [r.action for r in skp.riwayat] == before + ["rollback"]
        session.rollback()

        skp = session.get(Skp, kadis_approved["id"])  # this time the history is not loaded before
        transition(session, skp, "DRAFT", None, "Revisi perjanjian kinerja")
        assert [r.action for r in skp.riwayat] == before + ["rollback"]
        assert skp.riwayat[-1].note == "Revisi perjanjian kinerja"
    finally:
        session.rollback()
        session.close()


def test_the_rhk_an_skp_may_intervene_are_remembered_until_a_write(app, accounts, as_user, kadis_approved):  # noqa: F811
    kabid = as_user(find(accounts, "Kepala Bidang Aplikasi")["nip"])
    skp_id = kabid.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).get_json()["id"]
    kadis_rhk = kadis_approved["rhk"][0]["id"]
    session = app.extensions["db_sessionmaker"]()
    try:
        skp = session.get(Skp, skp_id)
        first = allowed_rhk_atasan(session, skp)
        assert kadis_rhk in {r.id for r in first}
        with recording(app) as statements:
            assert allowed_rhk_atasan(session, skp) == first
        assert statements == []

        # the leader's SKP back to draft in this session, not flushed yet: the next answer reads it
        leader = session.get(Skp, kadis_approved["id"])
        leader.status = "DRAFT"
        assert kadis_rhk not in {r.id for r in allowed_rhk_atasan(session, skp)}
        # approved again and flushed: read again
        leader.status = "DISETUJUI"
        session.flush()
        assert kadis_rhk in {r.id for r in allowed_rhk_atasan(session, skp)}

        session.rollback()  # a new transaction reads again
        with recording(app) as statements:
            assert kadis_rhk in {r.id for r in allowed_rhk_atasan(session, session.get(Skp, skp_id))}
        assert statements
    finally:
        session.rollback()
        session.close()
