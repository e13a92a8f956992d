"""Hostile input answers a 4xx naming what is wrong, never a 500: ids beyond a column, deep or non-finite
JSON, NUL characters, control characters in ``next``, a DMN file without a decision, unknown paths."""
from __future__ import annotations

import pytest
from conftest import DEMO_TAHUN, find
from test_pages import Pages

ADMIN_NIP = "199302142019031006"
OWNER_NIP = "197711052002121003"
NO_DECISION = ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/'
               'MODEL/" id="Kosong" name="Kosong" namespace="http://ekinerja"></definitions>\n')


def error_of(response, status):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json", response.data[:300]
    return response.get_json()["error"]


@pytest.mark.parametrize("path", ["/skp/2147483648", "/skp/9223372036854775808", "/skp/99999999999999999999999",
                                  "/instances/2147483648", "/notifications/2147483648/read",
                                  "/skp/2147483648/document.pdf",
                                  "/definitions/skp_perencanaan/versions/8536157361641254/download"])
def test_ids_beyond_a_database_column_are_not_found(accounts, as_user, path):
    api = as_user(find(accounts, "Kepala Dinas")["nip"])
    method = api.post if path.endswith("/read") else api.get
    assert error_of(method(path), 404)["code"] == "not_found"


@pytest.mark.parametrize("page", ["/skp/2147483648", "/skp/99999999999", "/admin/instance/2147483648"])
def test_pages_with_ids_beyond_a_column_are_the_404_page(client, page):
    Pages(client).login(ADMIN_NIP)
    r = client.get(page)
    assert r.status_code == 404 and "Tidak ditemukan" in r.get_data(as_text=True)


@pytest.mark.parametrize("path, name", [
    ("/skp?tahun=99999999999", "tahun"), ("/skp?tahun=%C2%B2", "tahun"), ("/periode?tahun=2147483648", "tahun"),
    ("/monitoring?periode_id=2147483648", "periode_id"), ("/monitoring?periode_id=1&unor_id=%C2%B2", "unor_id"),
    ("/capaian?periode_id=9223372036854775808", "periode_id"), ("/kaskade?tahun=%C2%B2", "tahun"),
    ("/notifications?offset=99999999999", "offset"), ("/definitions/skp_perencanaan/diff?from=1&to=2147483648", "to"),
])
def test_integer_query_parameters_are_bounded(accounts, as_user, path, name):
    api = as_user(OWNER_NIP if path.startswith("/definitions") else ADMIN_NIP)
    body = error_of(api.get(path), 422)
    assert body["code"] == "validation_error" and name in body["details"]["fields"], body


def test_body_ids_beyond_a_column(as_user):
    api = as_user(ADMIN_NIP)
    body = error_of(api.post("/plt-plh", json={"nip": "x", "jabatan_id": 2**31, "jenis": "PLT"}), 422)
    assert "jabatan_id" in body["details"]["fields"]
    r = api.client.put("/api/v1/pegawai/199302142019031006/jabatan", headers=api.headers,
                       json={"jabatan_id": 2**63})
    assert "jabatan_id" in error_of(r, 422)["details"]["fields"]


def test_deep_and_non_finite_json(as_user, accounts):
    api = as_user(find(accounts, "Kepala Dinas")["nip"])
    headers = {**api.headers, "Content-Type": "application/json"}
    deep = b'{"tahun": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    assert "terlalu dalam" in error_of(api.client.post("/api/v1/skp", data=deep, headers=headers), 400)["message"]
    deep65 = b'{"tahun": ' + b"[" * 80 + b"]" * 80 + b"}"
    assert "terlalu dalam" in error_of(api.client.post("/api/v1/skp", data=deep65, headers=headers), 400)["message"]
    r = api.client.post("/api/v1/skp", data=b'{"tahun": 1e999}', headers=headers)
    assert "JSON tidak valid" in error_of(r, 400)["message"]
    r = api.client.post("/api/v1/skp", data=b'{"tahun": NaN}', headers=headers)
    assert "JSON tidak valid" in error_of(r, 400)["message"]
    assert api.post("/skp", json={"tahun": DEMO_TAHUN}).status_code == 201  # the ordinary case still works


def test_nul_characters(client, as_user):
    body = error_of(client.post("/api/v1/auth/token", json={"nip": "1\u00002", "password": "x"}), 422)
    assert body["details"]["fields"] == {"nip": "tidak boleh memuat karakter NUL"}
    api = as_user(ADMIN_NIP)
    assert error_of(api.get("/skp?nip=1%002"), 400)["code"] == "bad_request"
    assert error_of(api.get("/tasks/ab%00c"), 404)["code"] == "not_found"
    r = client.post("/masuk", data={"nip": "1\x002", "kata_sandi": "x"})
    assert r.status_code == 400


@pytest.mark.parametrize("target", ["/\r/x", "/\t/evil.example", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "", None, "/ /x", "/\x7f/x"])
def test_safe_next_falls_back_home(app, target):
    from app.auth import safe_next

    with app.test_request_context("/masuk"):
        assert safe_next(target) == "/"
        assert safe_next("/skp/3?tab=riwayat") == "/skp/3?tab=riwayat"


@pytest.mark.parametrize("query", ["next=/%0d/x", "next=/%09/evil.example"])
def test_login_with_a_control_character_in_next_goes_home(client, query):
    token = Pages(client).token()
    r = client.post(f"/masuk?{query}", data={"nip": ADMIN_NIP, "kata_sandi": "ekinerja-demo", "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_unknown_paths_and_wrong_methods_answer_json_under_the_api(client):
    body = error_of(client.get("/api/v1/tidak-ada"), 404)
    assert body == {"code": "not_found", "message": "Alamat tidak ditemukan", "details": {}}
    r = client.delete("/api/v1/skp")
    assert error_of(r, 405)["message"] == "Metode tidak diizinkan" and "GET" in r.headers["Allow"]
    page = client.get("/tidak-ada")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Halaman atau data yang Anda cari tidak ditemukan" in page.get_data(as_text=True)
    page = client.put("/masuk")
    assert page.status_code == 405 and "Metode tidak diizinkan" in page.get_data(as_text=True)


@pytest.mark.parametrize("action", ["validate", "test", "deploy"])
def test_a_dmn_file_without_a_decision_is_reported(as_user, action):
    owner = as_user(OWNER_NIP)
    files = owner.get("/definitions/skp_perencanaan/draft").get_json()["files"]
    r = owner.post(f"/definitions/skp_perencanaan/{action}",
                   json={"files": {**files, "kosong.dmn": NO_DECISION}, "comment": "tanpa keputusan"})
    assert r.status_code == (409 if action == "deploy" else 200), r.get_json()
    assert "file DMN tidak memuat keputusan (elemen <decision>)" in r.get_data(as_text=True)


def test_the_cli_reports_a_dmn_file_without_a_decision(app, tmp_path):
    from app.cli import main

    path = tmp_path / "kosong.dmn"
    path.write_text(NO_DECISION, encoding="utf-8")
    result = app.test_cli_runner().invoke(main, ["bpmn", "validate", str(path)])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "KESALAHAN kosong.dmn: file DMN tidak memuat keputusan (elemen <decision>)" in result.output


def test_a_target_number_beyond_its_column_is_kept_as_text(accounts, as_user):
    from test_skp_api import JPT_RHK, only_task

    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    assert kadis.post("/skp", json={"tahun": DEMO_TAHUN}).status_code == 201
    task = only_task(kadis, "skp-editor")
    rhk = {**JPT_RHK, "iki": [{**JPT_RHK["iki"][0], "target": "1000000000000000000 dokumen"}]}
    r = kadis.post(f"/tasks/{task['id']}/complete", json={"data": {"rhk": [rhk], "ajukan": False}})
    assert r.status_code == 200, r.get_json()
    skp_id = kadis.get("/skp").get_json()[0]["id"]
    iki = kadis.get(f"/skp/{skp_id}").get_json()["rhk"][0]["iki"][0]
    assert iki["target"] == "1000000000000000000 dokumen"


@pytest.mark.parametrize("baris", ["abc", "99999999999", "²"])
def test_a_dialog_form_with_a_bad_row_count(client, accounts, baris):
    kadis, aplikasi = find(accounts, "Kepala Dinas"), find(accounts, "Kepala Bidang Aplikasi")
    pages = Pages(client)
    pages.login(kadis["nip"])
    made = pages.post("/dialog-kinerja", {"topik": "Rencana", "tanggal": f"{DEMO_TAHUN}-05-01",
                                          "peserta": aplikasi["nip"]})
    page = made.headers["Location"]
    r = pages.post(f"{page}/catat", {"catatan": "Catatan", "baris": baris, "konfirmasi": "0"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


def test_a_batch_action_that_is_not_a_name(as_user):
    admin = as_user(ADMIN_NIP)
    r = admin.post("/admin/batches", json={"action": {}, "filter": {}, "params": {}, "preview": False, "reason": ""})
    assert "action" in error_of(r, 422)["details"]["fields"]


@pytest.mark.parametrize("value", [[], "teks", 3, None])
def test_a_body_part_that_must_be_an_object_is_refused_naming_it(value):
    from app.request_input import require_object
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        require_object(value, "scenario")
    assert refused.value.fields == {"scenario": "harus berupa objek JSON"} and refused.value.status == 422
    assert require_object({"a": 1}) == {"a": 1}
