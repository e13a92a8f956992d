"""Reminders say what is true: no "finish before the tenggat" for a tenggat that passed, and no
milestone twice when a task opens again."""
from __future__ import annotations

from conftest import DEMO_TAHUN, find
from sqlalchemy import select

from app.kinerja.org import Pegawai
from app.notifications.models import Notification
from workflows import clock
from workflows.timers import fire_due

from test_skp_api import JPT_RHK, LAMPIRAN, only_task


def kinds_of(app, nip) -> list[str]:
    session = app.extensions["db_sessionmaker"]()
    try:
        pegawai_id = session.scalar(select(Pegawai.id).where(Pegawai.nip == nip))
        return sorted(session.scalars(select(Notification.kind).where(Notification.pegawai_id == pegawai_id)))
    finally:
        session.close()


def test_a_passed_tenggat_is_told_once_as_missed_even_when_the_task_opens_again(app, accounts, as_user):
    kadis_nip, sekda_nip = find(accounts, "Kepala Dinas")["nip"], find(accounts, "Sekretaris Daerah")["nip"]
    kadis, sekda = as_user(kadis_nip), as_user(sekda_nip)
    clock.set(f"{DEMO_TAHUN}-11-10T08:00:00+07:00")  # long after the end-of-January batas penetapan
    assert kadis.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"}).status_code == 201
    factory = app.extensions["db_sessionmaker"]
    fire_due(factory)  # the "7 days before the batas" reminder was due months ago
    assert kinds_of(app, kadis_nip).count("pengingat_tugas") == 0
    assert kinds_of(app, kadis_nip).count("tenggat_terlewat") == 1

    task = only_task(kadis, "skp-editor")
    done = kadis.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": [JPT_RHK], "lampiran": LAMPIRAN, "ajukan": True}})
    assert done.status_code == 200, done.get_json()
    review = only_task(sekda, "skp-review")
    back = sekda.post(f"/tasks/{review['id']}/complete", json={"data": {"keputusan": "KEMBALIKAN", "catatan": "Perjelas IKI"}})
    assert back.status_code == 200, back.get_json()
    # the pegawai is told the SKP came back, with the penilai's note and a link to the SKP
    session = app.extensions["db_sessionmaker"]()
    try:
        [told] = session.scalars(select(Notification).join(Pegawai, Pegawai.id == Notification.pegawai_id).where(
            Pegawai.nip == kadis_nip, Notification.kind == "skp_dikembalikan")).all()
        assert "Perjelas IKI" in told.body and told.link.startswith("/skp/")
    finally:
        session.close()
    clock.set(f"{DEMO_TAHUN}-11-11T08:00:00+07:00")
    fire_due(factory)  # the drafting task opened again with its boundary timers
    assert kinds_of(app, kadis_nip).count("tenggat_terlewat") == 1
    assert kinds_of(app, kadis_nip).count("pengingat_tugas") == 0
