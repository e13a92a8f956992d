"""Forms built from a JSON Schema (app/web/schema_form.py, templates/_form_fields.html): reading posted
forms, the messages at the fields, and a generic task completed through its page with every construct."""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import find
from test_pages import pages  # noqa: F401  (the fixture)
from werkzeug.datastructures import MultiDict

from app.web.schema_form import field_labels, generic_data_from_form, generic_fields, hidden_properties, problems

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "forms" / "contoh-lengkap.schema.json").read_text(encoding="utf-8"))
PEMOHON = {"nama": "Putri", "unit": "Bidang Aplikasi", "tanggal_lahir": "1995-12-01"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def read(form: dict, current: dict | None = None, schema=SCHEMA) -> dict:
    return generic_data_from_form(MultiDict(form), generic_fields(schema), {}, current or {})


# ---------------------------------------------------------------- reading a posted form

def test_nested_objects_and_arrays_of_objects_and_of_strings():
    data = read({"perihal": "Rapat", "alamat.kota": "Bandung", "alamat.kode_pos": "40115",
                 "peserta[0].nama": "Ani", "peserta[0].jam": "4", "peserta[1].nama": "", "peserta[1].jam": "",
                 "peserta[7].nama": "Budi", "kata_kunci[0]": "rapat", "kata_kunci[2]": " ", "kata_kunci[10]": "dinas"})
    assert data["alamat"] == {"kota": "Bandung", "kode_pos": "40115"}
    # rows come in index order (10 after 2, not before), blank rows are dropped, gaps closed
    assert data["peserta"] == [{"nama": "Ani", "jam": 4}, {"nama": "Budi"}]
    assert data["kata_kunci"] == ["rapat", "dinas"]
    # an optional nested object left blank is left out (its required fields do not fire)
    assert "alamat" not in read({"perihal": "x", "alamat.kota": "", "alamat.kode_pos": ""})
    # an optional string left empty stays "" unless "" breaks its pattern (kode_pos: five digits)
    assert read({"uraian": "", "alamat.kota": "Bogor", "alamat.kode_pos": ""}) | {} == {
        **read({}), "uraian": "", "alamat": {"kota": "Bogor"}}


def test_numbers_accept_the_decimal_comma_and_keep_what_is_no_number():
    assert read({"biaya": "2,5", "jumlah_hari": "3"}) | {} == {**read({}), "biaya": 2.5, "jumlah_hari": 3}
    assert read({"biaya": "1.5"})["biaya"] == 1.5 and read({"biaya": "-0,25"})["biaya"] == -0.25
    assert read({"biaya": "7"})["biaya"] == 7
    assert read({"jumlah_hari": "dua"})["jumlah_hari"] == "dua"  # the schema names it: harus berupa bilangan bulat
    assert "biaya" not in read({"biaya": "  "})
    assert problems(SCHEMA, {**read({"jumlah_hari": "dua", "biaya": "-1"})})["jumlah_hari"] == \
        "harus berupa bilangan bulat"
    assert problems(SCHEMA, read({"biaya": "-0,5"}))["biaya"] == "minimal 0"
    assert problems(SCHEMA, read({"jumlah_hari": "31"}))["jumlah_hari"] == "maksimal 30"
    assert problems(SCHEMA, read({"jumlah_hari": "2,5"}))["jumlah_hari"] == "harus berupa bilangan bulat"


def test_an_unchecked_checkbox_is_false_and_a_checked_one_true():
    assert read({})["mendesak"] is False
    assert read({"mendesak": "1"})["mendesak"] is True


def test_dates_are_stored_iso_and_a_wrong_date_is_named_in_indonesian():
    assert read({"tanggal_mulai": "2026-03-01"})["tanggal_mulai"] == "2026-03-01"
    assert read({"tanggal_mulai": "1/3/2026"})["tanggal_mulai"] == "2026-03-01"
    assert read({"tanggal_mulai": "31/02/2026"})["tanggal_mulai"] == "31/02/2026"
    message = problems(SCHEMA, read({"tanggal_mulai": "2026-02-31"}))["tanggal_mulai"]
    assert message.startswith("tanggal tidak valid")


def test_enum_labels_come_from_oneof_const_title_and_values_are_checked():
    [jenis] = [f for f in generic_fields(SCHEMA) if f["key"] == "jenis"]
    assert jenis["kind"] == "select" and jenis["options"] == [("DINAS", "Perjalanan dinas"), ("PELATIHAN", "Pelatihan")]
    assert read({"jenis": "PELATIHAN"})["jenis"] == "PELATIHAN"
    assert problems(SCHEMA, read({"jenis": "CUTI"}))["jenis"] == "harus salah satu dari: Perjalanan dinas, Pelatihan"
    numbers = {"type": "object", "properties": {"n": {"enum": [1, 2]}}}
    assert read({"n": "2"}, schema=numbers) == {"n": 2}  # a posted string stands for the enum's number


def test_read_only_fields_come_from_the_task_data_never_from_the_post():
    current = {"nomor_surat": "800/12/2026"}
    assert read({"nomor_surat": "PALSU", "perihal": "x"}, current)["nomor_surat"] == "800/12/2026"
    assert "nomor_surat" not in read({"nomor_surat": "PALSU"}, {})


def test_a_posted_file_reference_counts_only_when_this_form_stored_that_file():
    from app.web.schema_form import FileStore

    class Stored(FileStore):
        def known(self, reference):
            return reference == 7

    fields = generic_fields(SCHEMA)
    assert "surat_tugas" not in read({"surat_tugas": "5"})  # a crafted id of someone else's file
    kept = generic_data_from_form(MultiDict({"surat_tugas": "7"}), fields, {}, {}, Stored())
    assert kept["surat_tugas"] == 7


def test_the_engine_keeps_read_only_fields_from_a_crafted_api_post():
    from workflows.forms import keep_read_only

    kept = keep_read_only(SCHEMA, {"nomor_surat": "PALSU", "perihal": "x"}, {"nomor_surat": "800/12/2026"})
    assert kept == {"nomor_surat": "800/12/2026", "perihal": "x"}
    assert keep_read_only(SCHEMA, {"nomor_surat": "PALSU"}, {}) == {}


def test_text_areas_text_inputs_and_what_is_not_rendered():
    kinds = {f["key"]: f["kind"] for f in generic_fields(SCHEMA)}
    assert kinds == {"nomor_surat": "text", "pemohon": "object", "perihal": "text", "uraian": "textarea", "jumlah_hari": "integer",
                     "biaya": "number", "tanggal_mulai": "date", "mendesak": "checkbox", "jenis": "select",
                     "alamat": "object", "peserta": "array", "kata_kunci": "array", "surat_tugas": "file"}
    odd = {"type": "object", "properties": {"peta": {"type": "object", "additionalProperties": {"type": "string"}},
                                            "t": {"type": "string", "format": "textarea"}}}
    assert hidden_properties(odd) == ["peta"] and generic_fields(odd)[0]["kind"] == "textarea"


def test_messages_are_keyed_by_input_name_and_summarised_with_human_labels():
    data = read({"perihal": "", "peserta[0].jam": "3", "alamat.kota": "", "alamat.kode_pos": "12"})
    found = problems(SCHEMA, data)
    assert found["perihal"] == "wajib diisi" and found["peserta[0].nama"] == "wajib diisi"
    assert found["alamat.kota"] == "wajib diisi" and found["alamat.kode_pos"] == "format tidak sesuai"
    assert found["jumlah_hari"] == "wajib diisi" and found["jenis"] == "wajib diisi"
    labels = field_labels(generic_fields(SCHEMA), found)
    assert labels["peserta[0].nama"] == "Peserta › baris 1 › Nama"
    assert labels["alamat.kode_pos"] == "Alamat tujuan › Kode pos" and labels["jumlah_hari"] == "Jumlah hari"


# ---------------------------------------------------------------- the page, on SQLite and PostgreSQL

@pytest.fixture
def form_task(app, accounts, tmp_path):
    """The test diagram deployed with the test form; one instance started for a pegawai. Returns its NIP."""
    from sqlalchemy import select

    from app.kinerja.org import Pegawai
    from core.db import write_transaction
    from workflows import forms
    from workflows.definitions import deploy
    from workflows.instances import start_instance

    before = forms.schema_path("x").parent
    folder = tmp_path / "forms"
    shutil.copytree(ROOT / "bpmn" / "forms", folder)
    shutil.copy(ROOT / "tests" / "forms" / "contoh-lengkap.schema.json", folder)
    forms.set_forms_dir(folder)
    app.config["BUKTI_DUKUNG_DIR"] = str(tmp_path / "berkas")
    account = find(accounts, "Pranata Komputer Ahli Pertama")
    session = app.extensions["db_sessionmaker"]()
    try:
        with write_transaction(session):
            deploy(session, {"formulir_lengkap.bpmn": (ROOT / "tests" / "bpmn" / "formulir" / "formulir_lengkap.bpmn")
                             .read_text(encoding="utf-8")})
        pegawai_id = session.scalar(select(Pegawai.id).where(Pegawai.nip == account["nip"]))
        with write_transaction(session):
            instance = start_instance(session, "uji_formulir_lengkap", "uji-formulir-1",
                                      {"pegawai_id": pegawai_id, "nomor_surat": "800/12/2026",
                                       "pemohon": PEMOHON}, None)
        instance_id = instance.id
    finally:
        session.close()
    yield {"nip": account["nip"], "instance_id": instance_id, "folder": tmp_path / "berkas"}
    forms.set_forms_dir(before)


def test_a_generic_task_with_every_construct_is_completed_through_its_page(pages, form_task, as_user, accounts):
    pages.login(form_task["nip"])
    link = pages.task_link("Isi permohonan uji")
    html = pages.html(link)
    assert 'enctype="multipart/form-data"' in html
    assert '<legend>Alamat tujuan</legend>' in html and 'name="alamat.kota"' in html
    assert 'name="peserta[0].nama"' in html and 'name="peserta[__0__].nama"' in html  # a row and the row template
    assert '<option value="DINAS" >Perjalanan dinas</option>' in html
    assert 'type="date" id="f-tanggal_mulai"' in html and 'type="checkbox" id="f-mendesak"' in html
    assert re.search(r'<textarea id="f-uraian" name="uraian" rows="4" maxlength="2000"', html)
    assert 'type="file" id="f-surat_tugas"' in html
    assert "800/12/2026" in html and 'name="nomor_surat"' not in html  # shown, never an input
    assert "<dt>Unit</dt><dd>" in html and "Bidang Aplikasi" in html and "01-12-1995" in html
    assert 'name="pemohon.nama"' not in html

    refused = pages.post(link, {"perihal": "", "jumlah_hari": "2,5", "tanggal_mulai": "2026-02-31",
                                "jenis": "DINAS", "peserta[0].jam": "3", "biaya": "1,5",
                                "surat_tugas": (io.BytesIO(b"MZ not a document"), "tugas.pdf")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Peserta › baris 1 › Nama</a>: wajib diisi" in text and "Jumlah hari</a>: harus berupa bilangan bulat" in text
    assert "Surat tugas (bukti dukung)</a>: hanya PDF" in text
    assert 'value="1,5"' in text  # what was typed comes back, with its comma

    done = pages.post(link, {"perihal": "Rapat koordinasi", "uraian": "Baris satu\nbaris dua", "jumlah_hari": "3",
                             "biaya": "2,5", "tanggal_mulai": "2026-03-01", "mendesak": "1", "jenis": "PELATIHAN",
                             "alamat.kota": "Bandung", "alamat.kode_pos": "40115",
                             "peserta[0].nama": "Ani", "peserta[0].jam": "4,5", "peserta[1].nama": "",
                             "peserta[4].nama": "Budi", "kata_kunci[0]": "rapat", "kata_kunci[1]": "",
                             "nomor_surat": "PALSU/1", "pemohon.nama": "PALSU",
                             "surat_tugas": (io.BytesIO(PDF), "surat tugas.pdf")},
                      content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]

    from sqlalchemy import select

    from app.kinerja.berkas_formulir import BerkasFormulir
    from workflows.models import Instance

    session = pages.client.application.extensions["db_sessionmaker"]()
    try:
        instance = session.get(Instance, form_task["instance_id"])
        assert instance.status == "completed"
    finally:
        berkas = session.scalars(select(BerkasFormulir)).all()
        session.close()
    assert len(berkas) == 1 and berkas[0].nama_asli == "surat tugas.pdf" and berkas[0].kolom == "surat_tugas"
    assert (form_task["folder"] / berkas[0].nama_simpan).read_bytes() == PDF
    data = instance_data(pages.client.application, form_task["instance_id"])
    assert data["nomor_surat"] == "800/12/2026" and data["pemohon"] == PEMOHON  # the crafted post changed nothing
    assert data["surat_tugas"] == berkas[0].id
    assert {k: data[k] for k in ("perihal", "jumlah_hari", "biaya", "tanggal_mulai", "mendesak", "jenis", "alamat",
                                 "peserta", "kata_kunci")} == {
        "perihal": "Rapat koordinasi", "jumlah_hari": 3, "biaya": 2.5, "tanggal_mulai": "2026-03-01",
        "mendesak": True, "jenis": "PELATIHAN", "alamat": {"kota": "Bandung", "kode_pos": "40115"},
        "peserta": [{"nama": "Ani", "jam": 4.5}, {"nama": "Budi"}], "kata_kunci": ["rapat"]}

    download = pages.get(f"/berkas-formulir/{berkas[0].id}")
    assert download.status_code == 200 and download.data == PDF
    pages.login(find(accounts, "Sekretaris Daerah")["nip"])  # not part of the instance
    assert pages.get(f"/berkas-formulir/{berkas[0].id}").status_code == 404


def instance_data(app, instance_id) -> dict:
    """The instance's workflow data as the engine stored it."""
    from workflows.instances import Run, load
    from workflows.models import Instance

    session = app.extensions["db_sessionmaker"]()
    try:
        workflow = load(Run(session, None, session.get(Instance, instance_id)))
        return dict(workflow.data)
    finally:
        session.close()


def test_the_api_cannot_overwrite_a_read_only_field(form_task, as_user, app):
    api = as_user(form_task["nip"])
    [task] = [t for t in api.get("/tasks").get_json() if t["instance_id"] == form_task["instance_id"]]
    bad_date = api.post(f"/tasks/{task['id']}/complete", json={"data": {
        "perihal": "x", "jumlah_hari": 1, "tanggal_mulai": "2026-02-30", "jenis": "DINAS"}})
    assert bad_date.status_code == 422
    assert bad_date.get_json()["error"]["details"]["fields"]["tanggal_mulai"].startswith("tanggal tidak valid")
    done = api.post(f"/tasks/{task['id']}/complete", json={"data": {
        "nomor_surat": "PALSU", "pemohon": {"nama": "PALSU"}, "perihal": "x", "jumlah_hari": 1,
        "tanggal_mulai": "2026-05-02", "jenis": "DINAS"}})
    assert done.status_code == 200, done.get_json()
    data = instance_data(app, form_task["instance_id"])
    assert data["nomor_surat"] == "800/12/2026" and data["pemohon"] == PEMOHON
    [other] = [t for t in api.get("/tasks").get_json() if t["form"] == "contoh-lengkap"] or [None]
    assert other is None
