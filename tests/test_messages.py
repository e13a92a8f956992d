"""Messages between instances, message start through the API, call activities across deployed processes."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import write_transaction
from workflows.definitions import deploy, latest
from workflows.instances import Run, complete_task, load, open_tasks_of
from workflows.models import Instance, InstanceEvent, MessageSubscription

MESSAGES_BPMN = Path(__file__).parent / "bpmn" / "messages"


@pytest.fixture
def factory(app):
    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        deploy(session, {"uji_pesan.bpmn": (MESSAGES_BPMN / "uji_pesan.bpmn").read_text()}, comment="uji pesan")
    session.close()
    return app.extensions["db_sessionmaker"]




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


from test_penilaian import admin_of, open_first_period, tetapkan_capaian, two_approved  # noqa: E402,F401
from test_skp_api import kadis_approved  # noqa: E402,F401 - used by two_approved
from conftest import DEMO_TAHUN, find  # noqa: E402
from test_timers import instance_row as row, start  # noqa: E402 - the same helpers as the timer tests


def skp_instance(app, skp_id):
    from workflows.instances import by_business_key

    session = app.extensions["db_sessionmaker"]()
    try:
        instance = by_business_key(session, f"skp:{skp_id}")
        return instance.status, instance.definition.version, [t.form_key for t in open_tasks_of(session, instance.id)]
    finally:
        session.close()


def test_skp_planning_instance_completes_when_the_annual_evaluation_is_final(app, accounts, as_user, two_approved):
    from workflows import clock

    assert skp_instance(app, two_approved["kabid"])[0::2] == ("waiting", ["skp-rollback"])
    kabid, kadis = find(accounts, "Kepala Bidang Aplikasi"), as_user(find(accounts, "Kepala Dinas")["nip"])
    clock.set(f"{DEMO_TAHUN}-12-31T15:00:00+07:00")
    periode, annual = open_first_period(accounts, as_user, {
        "nama": "Tahunan", "jenis": "TAHUNAN", "periode_awal": f"{DEMO_TAHUN}-01-01",
        "periode_akhir": f"{DEMO_TAHUN}-12-31", "batas_pengisian": f"{DEMO_TAHUN + 1}-01-10"})
    penilaian_id = {r["skp_id"]: r["penilaian_id"] for r in annual["hasil"]}[two_approved["kabid"]]
    tetapkan_capaian(kadis, periode["id"], kabid["unor"], "BAIK")
    task = next(t for t in kadis.get("/tasks").get_json() if t["business_key"] == f"penilaian:{penilaian_id}")
    rhk = kadis.get(f"/penilaian/{penilaian_id}").get_json()["rhk"]
    done = kadis.post(f"/tasks/{task['id']}/complete", json={"data": {
        "rating_hasil_kerja": "SESUAI", "rating_perilaku": "SESUAI",
        "umpan_balik_rhk": {str(r["id"]): "Baik" for r in rhk}, "umpan_balik_perilaku": {}}})
    assert done.status_code == 200, done.get_json()
    assert kadis.get(f"/penilaian/{penilaian_id}").get_json()["status"] == "FINAL"
    assert kadis.get(f"/skp/{two_approved['kabid']}").get_json()["status"] == "SELESAI"
    status, _version, open_forms = skp_instance(app, two_approved["kabid"])
    assert (status, open_forms) == ("completed", [])
    # the Kadis's own SKP is not evaluated: its instance still offers the rollback
    assert skp_instance(app, two_approved["kadis"])[0::2] == ("waiting", ["skp-rollback"])
    # the admin console shows it completed
    admin = as_user(admin_of(accounts)["nip"])
    session = app.extensions["db_sessionmaker"]()
    from workflows.instances import by_business_key
    instance_id = by_business_key(session, f"skp:{two_approved['kabid']}").id
    session.close()
    shown = admin.get(f"/admin/instances/{instance_id}").get_json()
    assert shown["status"] == "completed", shown


def test_message_api_starts_a_process_by_its_message_start_event(factory, accounts, as_user):
    admin = as_user(admin_of(accounts)["nip"])
    sent = admin.post("/messages", json={"name": "uji_mulai", "business_key": "uji:mulai:1", "data": {"jumlah": 4}})
    assert sent.status_code == 201, sent.get_json()
    (started,) = sent.get_json()["started"]
    assert sent.get_json()["delivered"] == []
    instance = row(factory, started)
    assert (instance.process_id, instance.business_key, instance.status) == ("uji_mulai_pesan", "uji:mulai:1", "completed")
    assert data_of(factory, started)["jumlah"] == 8
    # the process declares pengirim_pesan=semua: any pegawai of the instansi may start it
    pegawai = as_user(find(accounts, "Pranata Komputer")["nip"])
    again = pegawai.post("/messages", json={"name": "uji_mulai", "data": {"jumlah": 1}})
    assert again.status_code == 201, again.get_json()
    assert row(factory, again.get_json()["started"][0]).business_key.startswith("pesan:uji_mulai:")


def test_message_api_delivers_by_business_key_and_by_correlation_within_the_instansi(factory, accounts, as_user):
    admin_account = admin_of(accounts)
    admin = as_user(admin_account["nip"])
    subject = pegawai_id(factory, find(accounts, "Pranata Komputer")["nip"])
    waiting = start(factory, "uji_penerima", {"pegawai_id": subject}, "uji:api:1")
    nip = "198001012000011005"
    korelasi = start(factory, "uji_korelasi_terima", {"pegawai_id": subject, "nip": nip}, "uji:api:2")
    outside = start(factory, "uji_penerima", {}, "uji:api:3")  # no pegawai: in no instansi

    # a pegawai without a role the process declares may not message it
    pegawai = as_user(find(accounts, "Pranata Komputer")["nip"])
    refused = pegawai.post("/messages", json={"name": "uji_selesai", "business_key": "uji:api:1", "data": {"nilai": 1}})
    assert refused.status_code == 403, refused.get_json()
    assert row(factory, waiting).status == "waiting"

    sent = admin.post("/messages", json={"name": "uji_selesai", "business_key": "uji:api:1", "data": {"nilai": 7}})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["delivered"] == [waiting]
    assert data_of(factory, waiting)["hasil"] == 7
    assert events(factory, waiting, "message_received")[0].actor_id == pegawai_id(factory, admin_account["nip"])

    sent = admin.post("/messages", json={"name": "uji_korelasi", "correlation": {"nip": nip}, "data": {"nip": nip}})
    assert sent.status_code == 200 and sent.get_json()["delivered"] == [korelasi], sent.get_json()
    assert row(factory, korelasi).status == "completed"

    # the admin kinerja sees only the instances of the instansi: the other one is not found
    missed = admin.post("/messages", json={"name": "uji_selesai", "business_key": "uji:api:3", "data": {"nilai": 1}})
    assert missed.status_code == 404, missed.get_json()
    assert "uji:api:3" in missed.get_json()["error"]["message"]
    assert row(factory, outside).status == "waiting"
    unknown = admin.post("/messages", json={"name": "tidak_ada", "business_key": "x"})
    assert unknown.status_code == 404


@pytest.mark.parametrize("body, field", [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "x" * 256}, "name"),
    ({"name": "uji_mulai", "business_key": 5}, "business_key"),
    ({"name": "uji_mulai", "correlation": []}, "correlation"),
    ({"name": "uji_mulai", "correlation": {"nip": {"a": 1}}}, "correlation"),
    ({"name": "uji_mulai", "data": [1]}, "data"),
    ({"name": "uji_mulai", "lain": 1}, "lain")])
def test_message_api_names_the_bad_field_and_starts_nothing(factory, accounts, as_user, body, field):
    admin = as_user(admin_of(accounts)["nip"])
    session = factory()
    before = session.query(Instance).count()
    session.close()
    answer = admin.post("/messages", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["details"]["fields"]
    session = factory()
    assert session.query(Instance).count() == before
    session.close()


def test_message_api_needs_a_token(client):
    assert client.post("/api/v1/messages", json={"name": "uji_mulai"}).status_code == 401


def _deploy_file(factory, name, text=None):
    session = factory()
    with write_transaction(session):
        rows = deploy(session, {name: text or (MESSAGES_BPMN / name).read_text()}, comment="uji call activity")
        result = [(r.process_id, r.version, sorted(n for n in r.sources if not n.startswith("forms/")))  # diagrams
                  for r in rows]
    session.close()
    return result


def _run_induk(factory, accounts, key):
    subject = pegawai_id(factory, accounts[-1]["nip"])
    instance_id = start(factory, "uji_induk", {"angka": 5, "pegawai_id": subject, "rahasia": "x"}, key)
    session = factory()
    (task,) = open_tasks_of(session, instance_id)
    assert task.bpmn_id == "Task_Periksa"  # the called process's own user task, in its own lane
    session.close()
    session = factory()
    complete_task(session, task.id, subject, {"catatan": "sudah diperiksa"})
    session.close()
    assert row(factory, instance_id).status == "completed"
    return data_of(factory, instance_id)


def test_call_activity_runs_the_separately_deployed_process_with_data_in_and_out(factory, accounts):
    from workflows.definitions import DefinitionInvalid

    with pytest.raises(DefinitionInvalid, match="uji_anak"):  # nothing deployed under that id yet
        _deploy_file(factory, "uji_induk.bpmn")
    assert _deploy_file(factory, "uji_anak.bpmn") == [("uji_anak", 1, ["uji_anak.bpmn"])]
    # the caller's version carries the called process as deployed; the called one gets no new version
    assert _deploy_file(factory, "uji_induk.bpmn") == [("uji_induk", 1, ["uji_anak.bpmn", "uji_induk.bpmn"])]
    data = _run_induk(factory, accounts, "uji:induk:1")
    assert (data["hasil"], data["total"]) == (10, 11)

    # a new version of the called process: the caller runs it once it is deployed again
    tripled = (MESSAGES_BPMN / "uji_anak.bpmn").read_text().replace("angka * 2", "angka * 3")
    assert _deploy_file(factory, "uji_anak.bpmn", tripled)[0][:2] == ("uji_anak", 2)
    assert _run_induk(factory, accounts, "uji:induk:2")["total"] == 11  # still the version it was deployed with
    assert _deploy_file(factory, "uji_induk.bpmn")[0][:2] == ("uji_induk", 2)
    assert _run_induk(factory, accounts, "uji:induk:3")["total"] == 16
    session = factory()
    assert latest(session, "uji_anak").version == 2
    session.close()


def test_workbench_checks_and_tests_a_caller_of_a_deployed_process(factory, accounts, as_user):
    from test_workbench import OWNER_NIP

    owner = as_user(OWNER_NIP)
    files = {"uji_induk.bpmn": (MESSAGES_BPMN / "uji_induk.bpmn").read_text()}
    checked = owner.post("/definitions/uji_induk/validate", json={"files": files}).get_json()
    assert any("uji_anak" in e["message"] for e in checked["errors"]), checked  # not deployed yet
    _deploy_file(factory, "uji_anak.bpmn")
    checked = owner.post("/definitions/uji_induk/validate", json={"files": files}).get_json()
    assert checked["errors"] == [] and checked["processes"] == ["uji_induk"], checked
    assert [e["process_id"] for e in checked["akan_dipasang"]] == ["uji_induk"]
    scenario = {"nama": "dua kali", "data_awal": {"angka": 4, "pegawai_id": 1},
                "tugas": [{"tugas": "Task_Periksa", "data": {}}], "data_akhir": {"hasil": 8, "total": 9}}
    tested = owner.post("/definitions/uji_induk/test", json={"files": files, "scenario": scenario}).get_json()
    assert tested["errors"] == [] and tested["results"][0]["lulus"], tested


def _at_once(calls) -> list:
    import threading

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_race_two_throws_at_once_reach_the_receiver_once(app, factory, accounts, database_url):
    """Two people complete tasks at the same moment whose end events throw to one waiting instance: the
    receiver is locked by the first, the second finds it no longer waiting and logs the message unmatched."""
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrent writers: PostgreSQL")
    from conftest import Api

    nip = accounts[-1]["nip"]
    subject = pegawai_id(factory, nip)
    for round_ in range(3):
        receiver = start(factory, "uji_penerima", {}, f"uji:balapan:{round_}")
        senders = [start(factory, "uji_konfirmasi_kirim", {"pegawai_id": subject, "tujuan": f"uji:balapan:{round_}",
                                                           "nilai": n}, f"uji:pelempar:{round_}:{n}") for n in (1, 2)]
        apis = [Api(app.test_client(), nip) for _ in senders]
        tasks = []
        session = factory()
        for sender in senders:
            (task,) = open_tasks_of(session, sender)
            tasks.append(task.id)
        session.close()
        results = _at_once([lambda api=api, task=task: api.post(f"/tasks/{task}/complete", json={"data": {}})
                            for api, task in zip(apis, tasks)])
        assert sorted(r.status_code for r in results) == [200, 200], [r.get_json() for r in results]
        assert row(factory, receiver).status == "completed"
        assert len(events(factory, receiver, "message_received")) == 1
        outcomes = sorted(e.kind for s in senders for e in events(factory, s)
                          if e.kind in ("message_sent", "message_unmatched"))
        assert outcomes == ["message_sent", "message_unmatched"]
        assert data_of(factory, receiver)["hasil"] == next(
            n for n, s in zip((1, 2), senders) if events(factory, s, "message_sent"))


def test_race_two_api_messages_at_once_deliver_once(app, factory, accounts, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrent writers: PostgreSQL")
    from conftest import Api

    nip = admin_of(accounts)["nip"]
    subject = pegawai_id(factory, find(accounts, "Pranata Komputer")["nip"])
    receiver = start(factory, "uji_penerima", {"pegawai_id": subject}, "uji:balapan:api")
    apis = [Api(app.test_client(), nip) for _ in range(4)]
    results = _at_once([lambda api=api, n=n: api.post("/messages", json={
        "name": "uji_selesai", "business_key": "uji:balapan:api", "data": {"nilai": n}}) for n, api in enumerate(apis)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and set(codes) <= {200, 404, 409}, [r.get_json() for r in results]
    assert row(factory, receiver).status == "completed"
    assert len(events(factory, receiver, "message_received")) == 1


def test_send_task_message_nobody_waits_for_starts_the_process_with_that_message_start_event(factory):
    thrower = start(factory, "uji_pemicu", {"jumlah": 21}, "uji:pemicu:1")
    assert row(factory, thrower).status == "completed"
    (sent,) = events(factory, thrower, "message_sent")
    (started,) = sent.data["started"]
    assert sent.data["delivered"] == []
    instance = row(factory, started)
    assert (instance.process_id, instance.business_key, instance.status) == (
        "uji_mulai_pesan", "uji:dipicu:21", "completed")
    assert data_of(factory, started)["jumlah"] == 42
    assert [e.kind for e in events(factory, started)][:2] == ["started", "message_received"]


def test_race_two_instances_messaging_each_other_at_once(app, factory, accounts, database_url):
    """A's step throws to B while B's throws to A: they lock in opposite orders. Whatever the interleaving
    (PostgreSQL aborting one as a deadlock, or one after the other), one request wins, the other gets a
    4xx, and exactly one instance ended by the other's message: never both, never half."""
    if not database_url.startswith("postgresql"):
        pytest.skip("real concurrent writers: PostgreSQL")
    from conftest import Api

    nip = accounts[-1]["nip"]
    subject = pegawai_id(factory, nip)
    for round_ in range(3):
        a = start(factory, "uji_saling", {"pegawai_id": subject, "tujuan": f"uji:saling:{round_}:b"},
                  f"uji:saling:{round_}:a")
        b = start(factory, "uji_saling", {"pegawai_id": subject, "tujuan": f"uji:saling:{round_}:a"},
                  f"uji:saling:{round_}:b")
        session = factory()
        tasks = [open_tasks_of(session, i)[0].id for i in (a, b)]
        session.close()
        apis = [Api(app.test_client(), nip) for _ in tasks]
        results = _at_once([lambda api=api, task=task: api.post(f"/tasks/{task}/complete", json={"data": {}})
                            for api, task in zip(apis, tasks)])
        codes = sorted(r.status_code for r in results)
        assert codes[0] == 200 and codes[1] in (404, 409), [r.get_json() for r in results]
        assert row(factory, a).status == row(factory, b).status == "completed"
        received = [len(events(factory, i, "message_received")) for i in (a, b)]
        completed = [len(events(factory, i, "task_completed")) for i in (a, b)]
        assert sorted(received) == [0, 1] and sorted(completed) == [0, 1]
        assert received != completed  # the one that confirmed is not the one the message ended
