"""Messages between instances, message start through the API, call activities across deployed processes."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import write_transaction
from workflows.definitions import deploy, latest, read_dir
from workflows.instances import Run, complete_task, load, open_tasks_of, start_instance
from workflows.models import Instance, InstanceEvent, MessageSubscription

MESSAGES_BPMN = Path(__file__).parent / "bpmn" / "messages"


@pytest.fixture
def factory(app):
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, {"uji_pesan.bpmn": (MESSAGES_BPMN / "uji_pesan.bpmn").read_text()}, comment="uji pesan")
    session.close()
    return app.extensions["db_sessionmaker"]


def start(factory, process_id, data, key):
    session = factory()
    with write_transaction(session):
        instance_id = start_instance(session, process_id, key, data, None).id
    session.close()
    return instance_id


def row(factory, instance_id):
    session = factory()
    try:
        return session.get(Instance, instance_id)
    finally:
        session.close()


def data_of(factory, instance_id):
    session = factory()
    try:
        return load(Run(session, None, session.get(Instance, instance_id))).data
    finally:
        session.close()


def events(factory, instance_id, kind=None):
    session = factory()
    try:
        query = select(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
        if kind:
            query = query.where(InstanceEvent.kind == kind)
        return list(session.scalars(query.order_by(InstanceEvent.id)))
    finally:
        session.close()


def pegawai_id(factory, nip):
    from app.kinerja.org import Pegawai

    session = factory()
    try:
        return session.scalar(select(Pegawai.id).where(Pegawai.nip == nip))
    finally:
        session.close()


def subscriptions(factory, instance_id):
    session = factory()
    try:
        return list(session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance_id)))
    finally:
        session.close()


def test_message_end_event_reaches_the_receiver_with_that_business_key_behind_an_event_gateway(factory):
    mine = start(factory, "uji_penerima", {}, "uji:penerima:1")
    other = start(factory, "uji_penerima", {}, "uji:penerima:2")
    assert [(s.message_name, s.bpmn_id, s.business_key) for s in subscriptions(factory, mine)] == [
        ("uji_selesai", "Gateway_Tunggu", "uji:penerima:1")]
    sender = start(factory, "uji_pengirim", {"tujuan": "uji:penerima:1", "nilai": 42}, "uji:pengirim:1")
    assert row(factory, sender).status == "completed"
    assert row(factory, mine).status == "completed"
    assert data_of(factory, mine)["hasil"] == 42
    assert subscriptions(factory, mine) == []
    # the other receiver still waits for its own message; its timer branch is untouched
    assert row(factory, other).status == "waiting"
    assert [s.business_key for s in subscriptions(factory, other)] == ["uji:penerima:2"]
    sent = events(factory, sender, "message_sent")
    assert sent and sent[0].data["delivered"] == [mine]
    assert [e.data["message"] for e in events(factory, mine, "message_received")] == ["uji_selesai"]


def test_boundary_message_interrupts_the_user_task(factory, accounts):
    receiver = start(factory, "uji_penerima_batas", {"pegawai_id": pegawai_id(factory, accounts[-1]["nip"])},
                     "uji:batas:1")
    session = factory()
    assert [t.bpmn_id for t in open_tasks_of(session, receiver)] == ["Task_Konfirmasi"]
    session.close()
    start(factory, "uji_pengirim", {"tujuan": "uji:batas:1", "nilai": 1}, "uji:pengirim:2")
    assert row(factory, receiver).status == "completed"
    session = factory()
    assert open_tasks_of(session, receiver) == []
    session.close()
    assert data_of(factory, receiver)["pesan"] == {"business_key": "uji:batas:1", "nilai": 1}


def test_unmatched_message_is_logged_on_the_thrower(factory):
    sender = start(factory, "uji_pengirim", {"tujuan": "uji:tidak-ada", "nilai": 3}, "uji:pengirim:3")
    assert row(factory, sender).status == "completed"
    unmatched = events(factory, sender, "message_unmatched")
    assert len(unmatched) == 1
    assert unmatched[0].data == {"message": "uji_selesai", "business_key": "uji:tidak-ada", "correlation": None}
    assert "uji:tidak-ada" in unmatched[0].reason


def test_correlation_by_declared_property(factory):
    first = start(factory, "uji_korelasi_terima", {"nip": "198001012000011001"}, "uji:kt:1")
    second = start(factory, "uji_korelasi_terima", {"nip": "198001012000011002"}, "uji:kt:2")
    assert [s.correlation for s in subscriptions(factory, second)] == ['{"nip":"198001012000011002"}']
    sender = start(factory, "uji_korelasi_kirim", {"nip": "198001012000011002", "catatan": "halo"}, "uji:kk:1")
    assert row(factory, second).status == "completed"
    assert data_of(factory, second)["pesan"] == {"nip": "198001012000011002", "catatan": "halo"}
    assert row(factory, first).status == "waiting"
    # no receiver has that NIP: logged, nobody else gets it
    lost = start(factory, "uji_korelasi_kirim", {"nip": "198001012000011009", "catatan": "x"}, "uji:kk:2")
    assert events(factory, lost, "message_unmatched")[0].data["correlation"] == '{"nip":"198001012000011009"}'
    assert row(factory, first).status == "waiting"
    assert events(factory, sender, "message_sent")[0].data["delivered"] == [second]
