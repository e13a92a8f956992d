"""Process definitions per instansi: two instansi in one database run different versions of one process.

The demo instansi (A) deploys its own ``skp_perencanaan`` through the workbench API; a second instansi (B)
keeps the national default shipped in ``bpmn/``. An SKP started in A runs A's version, one in B the default,
both to the end. A's process owner neither sees nor deploys B's versions; a superadmin sees and deploys all.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO_PASSWORD, DEMO_TAHUN, find
from sqlalchemy import select

from core.db import write_transaction
from test_skp_api import JPT_RHK, LAMPIRAN, only_task

ROOT = Path(__file__).resolve().parent.parent
OWNER_A, SUPERADMIN = "197711052002121003", "199801012022031002"
SEKDA_B, KADIS_B, OWNER_B = "196901011994031001", "197201011998031002", "198001012005011003"


def second_instansi(app) -> int:
    """Instansi B: a Sekretaris Daerah over a Kepala Dinas (his pejabat penilai) and a process owner."""
    from app.kinerja.org import Akun, Instansi, Jabatan, Pegawai, Unor
    from app.kinerja.password import hash_password

    session = app.extensions["db_sessionmaker"]()
    with write_transaction(session):
        b = Instansi(kode="PROVB", nama="Pemerintah Provinsi B", jenis="DAERAH", lokasi="Kota B")
        setda = Unor(instansi=b, kode="B.SETDA", nama="Sekretariat Daerah Provinsi B")
        dinas = Unor(instansi=b, kode="B.DINAS", nama="Dinas Kominfo Provinsi B", parent=setda)
        for nip, unor, jenis, leader, roles in ((SEKDA_B, setda, "JPT_MADYA", True, []),
                                                (KADIS_B, dinas, "JPT_PRATAMA", True, []),
                                                (OWNER_B, setda, "PELAKSANA", False, ["process_owner"])):
            jabatan = Jabatan(unor=unor, nama=f"Jabatan {nip[-3:]}", jenis_jabatan=jenis, is_pimpinan_unor=leader)
            pegawai = Pegawai(instansi=b, nip=nip, jenis_asn="PNS", nama=f"Pegawai {nip[-3:]}", jabatan=jabatan,
                              status_kepegawaian="AKTIF")
            session.add_all([unor, jabatan, pegawai, Akun(pegawai=pegawai, roles=roles,
                                                          password_hash=hash_password(DEMO_PASSWORD, fast=True))])
        session.flush()
        instansi_id = b.id
    session.close()
    return instansi_id


def put(api, path, json):
    return api.client.put(f"/api/v1{path}", headers=api.headers, json=json)


def changed(api, old, new, query=""):
    files = api.get(f"/definitions/skp_perencanaan/draft{query}").get_json()["files"]
    out = dict(files)
    out["skp_perencanaan.bpmn"] = files["skp_perencanaan.bpmn"].replace(f'name="{old}"', f'name="{new}"', 1)
    assert out != files
    return out


def start_skp(kadis, editor_name) -> tuple[int, dict]:
    """A Kepala Dinas starts his SKP; the editor task carries the task name of the version it runs."""
    skp = kadis.post("/skp", json={"tahun": DEMO_TAHUN, "pendekatan": "KUANTITATIF"})
    assert skp.status_code == 201, skp.get_json()
    task = only_task(kadis, "skp-editor")
    assert task["name"] == editor_name
    return skp.get_json()["id"], task


def finish_skp(kadis, sekda, skp_id, task):
    """Submit the SKP and let the Sekretaris Daerah approve it: the instance runs to its end."""
    done = kadis.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": [JPT_RHK], "lampiran": LAMPIRAN,
                                                                      "ajukan": True}})
    assert done.status_code == 200, done.get_json()
    review = only_task(sekda, "skp-review")
    r = sekda.post(f"/tasks/{review['id']}/complete", json={"data": {
        "keputusan": "SETUJUI", "catatan": "", "ekspektasi_khusus": {"AKUNTABEL": "Laporan tepat waktu"}}})
    assert r.status_code == 200, r.get_json()
    assert kadis.get(f"/skp/{skp_id}").get_json()["status"] == "DISETUJUI"


def definition_of_instance(app, instance_id):
    from workflows.models import Instance

    session = app.extensions["db_sessionmaker"]()
    try:
        instance = session.get(Instance, instance_id)
        return instance.definition.version, instance.definition.instansi_id, instance.status
    finally:
        session.close()


def test_two_instansi_run_different_versions_of_skp_perencanaan(app, accounts, as_user):
    b = second_instansi(app)
    owner_a, owner_b, superadmin = as_user(OWNER_A), as_user(OWNER_B), as_user(SUPERADMIN)
    a = owner_a.get("/definitions/skp_perencanaan/draft").get_json()
    assert a["instansi"] is None and a["version"] == 1  # A runs the national default until it deploys its own

    r = owner_a.post("/definitions/skp_perencanaan/deploy", json={
        "files": changed(owner_a, "Susun SKP", "Susun SKP Instansi A"), "comment": "nama tugas instansi A"})
    assert r.status_code == 201, r.get_json()
    mine = r.get_json()
    assert mine["version"] == 2 and mine["instansi"]["kode"] == "DEMO"
    a_id = mine["instansi"]["id"]

    # both instansi at the same time: A's Kepala Dinas on A's version, B's on the national default
    kadis_a = as_user(find(accounts, "Kepala Dinas")["nip"])
    sekda_a = as_user(find(accounts, "Sekretaris Daerah")["nip"])
    kadis_b, sekda_b = as_user(KADIS_B), as_user(SEKDA_B)
    skp_a, task_a = start_skp(kadis_a, "Susun SKP Instansi A")
    skp_b, task_b = start_skp(kadis_b, "Susun SKP")
    instance_a, instance_b = task_a["instance_id"], task_b["instance_id"]
    assert definition_of_instance(app, instance_a)[:2] == (2, a_id)
    assert definition_of_instance(app, instance_b)[:2] == (1, None)
    badges = {v["version"]: v["instance_berjalan"]
              for v in superadmin.get("/definitions/skp_perencanaan/versions").get_json()}
    assert badges == {2: 1, 1: 1}
    assert {v["version"]: v["instance_berjalan"]
            for v in owner_a.get("/definitions/skp_perencanaan/versions").get_json()} == {2: 1, 1: 0}
    finish_skp(kadis_b, sekda_b, skp_b, task_b)
    finish_skp(kadis_a, sekda_a, skp_a, task_a)

    # versions, badges and the overview per instansi
    versions = owner_a.get("/definitions/skp_perencanaan/versions").get_json()
    assert [(v["version"], v["instansi"] and v["instansi"]["id"]) for v in versions] == [(2, a_id), (1, None)]
    overview = {r["process_id"]: r for r in owner_a.get("/definitions").get_json()}
    assert overview["skp_perencanaan"]["latest_version"] == 2 and overview["skp_perencanaan"]["instansi"]["id"] == a_id

    # B's process owner deploys B's own version: A does not see it and cannot deploy for B
    r = owner_b.post("/definitions/skp_perencanaan/deploy", json={
        "files": changed(owner_b, "Periksa SKP", "Periksa SKP Instansi B"), "comment": "nama tugas instansi B"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["version"] == 3 and r.get_json()["instansi"]["id"] == b
    assert [v["version"] for v in owner_b.get("/definitions/skp_perencanaan/versions").get_json()] == [3, 1]
    assert [v["version"] for v in owner_a.get("/definitions/skp_perencanaan/versions").get_json()] == [2, 1]
    assert owner_a.get("/definitions/skp_perencanaan/versions/3/download").status_code == 404
    assert owner_a.get("/definitions/skp_perencanaan/versions/3/files/skp_perencanaan.bpmn").status_code == 404
    assert owner_a.get("/definitions/skp_perencanaan/diff?from=1&to=3").status_code == 404
    assert owner_a.get(f"/definitions?instansi_id={b}").status_code == 403
    assert owner_a.get("/definitions?instansi_id=0").status_code == 403  # the national default: superadmin only
    refused = owner_a.post(f"/definitions/skp_perencanaan/deploy?instansi_id={b}", json={
        "files": changed(owner_a, "Susun SKP Instansi A", "Susun SKP untuk B"), "comment": "bukan instansi saya"})
    assert refused.status_code == 403
    other = put(owner_a, f"/definitions/skp_perencanaan/draft?instansi_id={b}", {"files": {"x.bpmn": ""}})
    assert other.status_code == 403

    # drafts are per instansi: A's draft is not B's
    assert put(owner_a, "/definitions/skp_perencanaan/draft",
               {"files": changed(owner_a, "Susun SKP Instansi A", "Susun SKP draf A")}).status_code == 200
    assert owner_b.get("/definitions/skp_perencanaan/draft").get_json()["draft"] is None
    assert owner_a.get("/definitions/skp_perencanaan/draft").get_json()["draft"] is not None

    # the superadmin sees every instansi, each version with its instansi and its running instances
    rows = superadmin.get("/definitions").get_json()
    assert {(r["latest_version"], r["instansi_id"]) for r in rows if r["process_id"] == "skp_perencanaan"} \
        == {(1, None), (2, a_id), (3, b)}
    every = superadmin.get("/definitions/skp_perencanaan/versions").get_json()
    assert [(v["version"], v["instansi"] and v["instansi"]["id"]) for v in every] == [(3, b), (2, a_id), (1, None)]
    assert superadmin.get("/definitions/skp_perencanaan/diff?from=2&to=3").status_code == 200
    only_b = superadmin.get(f"/definitions/skp_perencanaan/versions?instansi_id={b}").get_json()
    assert [v["version"] for v in only_b] == [3, 1]
    assert superadmin.get("/definitions/skp_perencanaan/versions?instansi_id=999999").status_code == 404
    national = superadmin.post("/definitions/skp_perencanaan/deploy?instansi_id=0", json={
        "files": changed(superadmin, "Periksa SKP", "Periksa SKP nasional", "?instansi_id=0"),
        "comment": "bawaan nasional baru"})
    assert national.status_code == 201 and national.get_json()["instansi"] is None
    assert national.get_json()["version"] == 4
    # an instansi with a version of its own keeps it; the national default changes nothing there
    assert owner_a.get("/definitions/skp_perencanaan/draft").get_json()["version"] == 2
    # both SKP are approved (DISETUJUI); their instances, each on its own version, wait alike for what follows
    # approval (a change of status, the annual evaluation)
    assert definition_of_instance(app, instance_a) == (2, a_id, "waiting")
    assert definition_of_instance(app, instance_b) == (1, None, "waiting")


def test_the_newest_version_of_the_instansi_else_the_national_default(app):
    """``definitions.latest`` and ``start_instance`` by the start data's instansi; timers arm one instance
    per instansi version and the default."""
    from workflows.definitions import deploy, latest
    from workflows.models import Instance
    from workflows.timers import arm_timer_starts

    b = second_instansi(app)
    session = app.extensions["db_sessionmaker"]()
    try:
        national = latest(session, "skp_perencanaan")
        assert latest(session, "skp_perencanaan", b).id == national.id
        sources = dict(national.sources)
        main = sources["skp_perencanaan.bpmn"]
        sources["skp_perencanaan.bpmn"] = main.replace('name="Susun SKP"', 'name="Susun B"', 1)
        with write_transaction(session):
            [own] = deploy(session, sources, "B", chosen=["skp_perencanaan"], instansi_id=b)
            again = deploy(session, sources, "B lagi", chosen=["skp_perencanaan"], instansi_id=b)
        assert again == [own] and own.instansi_id == b and own.version == national.version + 1
        assert latest(session, "skp_perencanaan", b).id == own.id
        assert latest(session, "skp_perencanaan").id == national.id
        # the same sources for the national default: a version of its own scope, not B's
        with write_transaction(session):
            [same] = deploy(session, sources, "nasional", chosen=["skp_perencanaan"])
        assert same.instansi_id is None and same.id != own.id and latest(session, "skp_perencanaan").id == same.id
        assert latest(session, "skp_perencanaan", b).id == own.id

        # a process started by a timer: armed once for the national default and once for B's own version
        with write_transaction(session):
            deploy(session, {"jadwal_uji.bpmn": timed("Jadwal uji")})
            deploy(session, {"jadwal_uji.bpmn": timed("Jadwal uji B")}, "B", instansi_id=b)
    finally:
        session.close()
    assert len(arm_timer_starts(app.extensions["db_sessionmaker"])) == 2
    assert arm_timer_starts(app.extensions["db_sessionmaker"]) == []  # armed once
    session = app.extensions["db_sessionmaker"]()
    try:
        armed = session.scalars(select(Instance).where(Instance.process_id == "jadwal_uji")).all()
        assert sorted((i.definition.instansi_id or 0, i.instansi_id or 0) for i in armed) == [(0, 0), (b, b)]
    finally:
        session.close()


def timed(name: str) -> str:
    """A process whose start event is a timer (far in the future: it waits)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'id="Definitions_jadwal" targetNamespace="http://bpmn.io/schema/bpmn">'
            f'<bpmn:process id="jadwal_uji" name="{name}" isExecutable="true">'
            '<bpmn:startEvent id="mulai"><bpmn:outgoing>f1</bpmn:outgoing><bpmn:timerEventDefinition>'
            '<bpmn:timeDate>"2099-01-01T08:00:00+07:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:startEvent>'
            '<bpmn:scriptTask id="skrip"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>'
            '<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:endEvent id="selesai"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
            '<bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="skrip"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="skrip" targetRef="selesai"/></bpmn:process></bpmn:definitions>')


@pytest.fixture
def forms_dir(app, tmp_path):
    """A copy of bpmn/forms/ that the test may change (as a new release of the shipped forms would)."""
    import shutil

    from workflows import forms

    before = forms.schema_path("x").parent
    folder = tmp_path / "forms"
    shutil.copytree(ROOT / "bpmn" / "forms", folder)
    forms.set_forms_dir(folder)
    yield folder
    forms.set_forms_dir(before)


def test_a_version_keeps_its_forms_and_a_changed_form_is_a_new_version(app, accounts, as_user, forms_dir):
    import json

    second_instansi(app)
    owner_a = as_user(OWNER_A)
    files = owner_a.get("/definitions/skp_perencanaan/draft").get_json()["files"]
    assert not any(name.startswith("forms/") for name in files)  # the modeler edits diagrams; forms come from disk
    versions = owner_a.get("/definitions/skp_perencanaan/versions").get_json()
    assert {"forms/skp-editor.schema.json", "forms/skp-review.schema.json"} <= set(versions[0]["files"])

    path = forms_dir / "skp-editor.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**schema, "title": "Susun SKP (formulir instansi A)"}), encoding="utf-8")
    r = owner_a.post("/definitions/skp_perencanaan/deploy", json={"files": files, "comment": "formulir baru"})
    assert r.status_code == 201, r.get_json()  # the same diagram with a changed form: a new version
    assert r.get_json()["version"] == 2
    assert owner_a.get("/definitions/skp_perencanaan/diff?from=1&to=2").get_json()["forms"] \
        == ["forms/skp-editor.schema.json"]
    path.write_text(json.dumps(schema), encoding="utf-8")  # the file on disk back as shipped: A keeps its copy

    kadis_a, kadis_b = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(KADIS_B)
    _, task_a = start_skp(kadis_a, "Susun SKP")
    _, task_b = start_skp(kadis_b, "Susun SKP")
    form_a = kadis_a.get(f"/tasks/{task_a['id']}").get_json()["form"]
    assert form_a["schema"]["title"] == "Susun SKP (formulir instansi A)"
    assert kadis_b.get(f"/tasks/{task_b['id']}").get_json()["form"]["schema"]["title"] == schema["title"]


def test_pages_and_admin_console_show_each_instansi_its_versions(app, client, accounts, as_user):
    from test_pages import Pages

    b = second_instansi(app)
    owner_a, owner_b = as_user(OWNER_A), as_user(OWNER_B)
    for api, old, new in ((owner_a, "Susun SKP", "Susun SKP Instansi A"), (owner_b, "Periksa SKP", "Periksa SKP B")):
        r = api.post("/definitions/skp_perencanaan/deploy", json={"files": changed(api, old, new), "comment": "uji"})
        assert r.status_code == 201, r.get_json()
    pages = Pages(client)
    pages.login(OWNER_A)
    versions = pages.html("/meja-kerja/skp_perencanaan/versi")
    assert 'data-version="2"' in versions and 'data-version="1"' in versions and 'data-version="3"' not in versions
    assert "Instance berjalan" in versions and "bawaan nasional" in versions
    assert pages.get("/meja-kerja/skp_perencanaan/versi/3/unduh").status_code == 404
    assert pages.get("/meja-kerja/skp_perencanaan/beda?dari=1&ke=3").status_code == 404
    assert pages.get(f"/meja-kerja?instansi_id={b}").status_code == 403
    assert "Pemerintah Provinsi Contoh" in pages.html("/meja-kerja/skp_perencanaan")  # where a deploy goes

    pages.login(SUPERADMIN)
    listing = pages.html("/meja-kerja")
    assert "Pemerintah Provinsi B" in listing and f"/meja-kerja/skp_perencanaan?instansi_id={b}" in listing
    modeler = pages.html(f"/meja-kerja/skp_perencanaan?instansi_id={b}")
    assert f'"instansiId": "{b}"' in modeler and "Pemerintah Provinsi B" in modeler
    assert 'data-version="3"' in pages.html("/meja-kerja/skp_perencanaan/versi")

    # the admin console of instansi A: the national default and A's versions, never B's
    admin = as_user(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    listed = admin.get("/admin/definitions").get_json()
    ids = {d["version"]: d["id"] for d in as_user(SUPERADMIN).get("/admin/definitions").get_json()
           if d["process_id"] == "skp_perencanaan"}
    assert sorted(d["version"] for d in listed if d["process_id"] == "skp_perencanaan") == [1, 2]
    assert admin.get(f"/admin/definitions/{ids[3]}/elements").status_code == 404
    assert admin.get(f"/admin/definitions/{ids[2]}/elements").status_code == 200
    pages.login(next(a for a in accounts if "admin_kinerja" in a["roles"])["nip"])
    assert pages.get(f"/admin/definisi/{ids[3]}").status_code == 404
    assert "skp_perencanaan" in pages.html(f"/admin/definisi/{ids[1]}")
