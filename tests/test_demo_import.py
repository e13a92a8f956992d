"""Demo organisation and the unor/pegawai import (CSV and XLSX), on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest
from sqlalchemy import func, select

from core.db import write_transaction
from app.kinerja import org
from app.kinerja.demo import PPK_LOGIN, load_demo
from core.errors import ValidationFailed
from app.kinerja.importer import COLUMNS, import_pegawai
from app.kinerja.nip import parse_nip
from app.kinerja.password import verify_password

TAHUN = 2026
ON = dt.date(TAHUN, 1, 2)
TABLES = (org.Instansi, org.Unor, org.Jabatan, org.Pegawai, org.Akun, org.PenugasanPltPlh)


def counts(session) -> dict:
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def by_nip(session, nip: str) -> org.Pegawai:
    return session.scalar(select(org.Pegawai).where(org.Pegawai.nip == nip))


@pytest.fixture
def demo(db_session):
    return load_demo(db_session, TAHUN, fast_hash=True)


# ---------------------------------------------------------------- demo

def test_demo_shape_nips_and_penilai(db_session, demo):
    assert 25 <= len(demo) <= 35
    assert set(demo[0]) == {"nip", "password", "nama", "jabatan", "jenis_jabatan", "unor", "roles",
                            "pejabat_penilai_nip"}
    # the Sekda is evaluated by the PPK (a pegawai row of jenis_asn PPK, not in the list of pegawai)
    assert demo[0]["jenis_jabatan"] == "JPT_MADYA" and demo[0]["pejabat_penilai_nip"] == PPK_LOGIN
    assert by_nip(db_session, PPK_LOGIN).jenis_asn == "PPK"
    assert counts(db_session)["pegawai"] == len(demo) + 1 == len({a["nip"] for a in demo}) + 1
    unors = db_session.scalars(select(org.Unor)).all()
    assert max(len(u.ancestors()) for u in unors) >= 4
    assert all(parse_nip(a["nip"], "PNS").nip == a["nip"] for a in demo)
    seen = {demo[0]["nip"]}
    for account in demo[1:]:
        penilai = org.pejabat_penilai(db_session, by_nip(db_session, account["nip"]), ON)
        assert penilai is not None, account
        assert account["pejabat_penilai_nip"] == penilai.nip
        # The penilai holds a position of Pengawas or higher and is listed earlier (top-down).
        assert penilai.jabatan.jenis_jabatan in org.PENILAI_LEVEL
        assert penilai.nip in seen
        seen.add(account["nip"])
    fungsional = [a for a in demo if a["jenis_jabatan"] == "FUNGSIONAL"]
    assert fungsional and all(by_nip(db_session, a["nip"]).jabatan.jf_jenjang for a in fungsional)


def test_demo_chain_plt_and_jpt_over(db_session, demo):
    sekda = demo[0]
    kadis = next(a for a in demo
                 if a["unor"] == "Dinas Komunikasi dan Informatika" and a["jenis_jabatan"] == "JPT_PRATAMA")
    assert kadis["pejabat_penilai_nip"] == sekda["nip"]

    # A JF placed directly in a Bidang is evaluated by the Kepala Bidang.
    jf = next(a for a in demo if a["jenis_jabatan"] == "FUNGSIONAL" and a["unor"].startswith("Bidang"))
    kabid = next(a for a in demo if a["unor"] == jf["unor"] and a["jenis_jabatan"] == "ADMINISTRATOR")
    assert jf["pejabat_penilai_nip"] == kabid["nip"]

    # The vacant Seksi: no definitive holder, an active PLT who is the penilai of its staff.
    plt = db_session.scalar(select(org.PenugasanPltPlh))
    assert plt.jenis == "PLT" and plt.tmt_mulai == dt.date(TAHUN, 1, 1) and plt.tmt_selesai is None
    vacant = plt.jabatan
    assert vacant.is_pimpinan_unor and vacant.jenis_jabatan == "PENGAWAS"
    assert db_session.scalar(select(org.Pegawai).where(org.Pegawai.jabatan_id == vacant.id)) is None
    assert plt.pegawai.jabatan.jenis_jabatan == "PENGAWAS" and plt.pegawai.jabatan.unor_id != vacant.unor_id
    staff = db_session.scalars(select(org.Pegawai).join(org.Jabatan)
                               .where(org.Jabatan.unor_id == vacant.unor_id)).all()
    assert len(staff) >= 1
    for pegawai in staff:
        assert org.pejabat_penilai(db_session, pegawai, ON).id == plt.pegawai_id
        assert next(a for a in demo if a["nip"] == pegawai.nip)["pejabat_penilai_nip"] == plt.pegawai.nip

    pelaksana = by_nip(db_session, next(a["nip"] for a in demo if a["jenis_jabatan"] == "PELAKSANA"))
    atasan = org.atasan_pejabat_penilai(db_session, pelaksana, ON)
    assert atasan.jabatan.jenis_jabatan == "ADMINISTRATOR"

    seksi = vacant.unor
    assert seksi.nama.startswith("Seksi")
    assert [p.nip for p in org.jpt_over(db_session, seksi, ON)] == [kadis["nip"], sekda["nip"]]


def test_demo_roles(demo):
    by_role = {role: [a for a in demo if role in a["roles"]] for role in
               ("jpt", "pejabat_penilai", "admin_kinerja", "process_owner", "superadmin")}
    assert all("pegawai" in a["roles"] for a in demo)
    assert {a["jenis_jabatan"] for a in by_role["jpt"]} == {"JPT_MADYA", "JPT_PRATAMA"}
    assert len(by_role["jpt"]) == 3
    assert {a["jenis_jabatan"] for a in by_role["pejabat_penilai"]} == set(org.PENILAI_LEVEL) - {"JPT_UTAMA"}
    for role in ("admin_kinerja", "process_owner", "superadmin"):
        assert len(by_role[role]) == 1, role
    assert by_role["admin_kinerja"][0]["unor"].startswith("Subbidang")
    assert all(a["roles"] == ["pegawai"] for a in demo if a["jenis_jabatan"] == "PELAKSANA")


def test_demo_is_idempotent_and_passwords_verify(db_session, demo):
    before = counts(db_session)
    assert before["akun"] == before["pegawai"] and before["penugasan_plt_plh"] == 1
    again = load_demo(db_session, TAHUN, fast_hash=True)
    assert counts(db_session) == before
    assert again == demo
    for akun in db_session.scalars(select(org.Akun)):
        assert verify_password(akun.password_hash, "ekinerja-demo")
        assert not verify_password(akun.password_hash, "salah")
    assert {a["password"] for a in demo} == {"ekinerja-demo"}


# ---------------------------------------------------------------- import

HEADER = list(COLUMNS) + ["password"]
# nip, jenis_asn, nama, gelar_depan, gelar_belakang, pangkat, gol, unor_kode, unor_nama, induk, jabatan,
# jenis_jabatan, jf_jenjang, pimpinan_unor, status, password
GOOD = [
    ["197501012000031001", "PNS", "Budi Santoso", "Ir.", "M.T.", "Pembina", "IV/a", "DINAS", "Dinas Contoh", "",
     "Kepala Dinas Contoh", "JPT Pratama", "", "ya", "", "rahasia-1"],
    # the parent BIDANG is described on a later line
    ["198002022005012002", "PNS", "Sari Dewi", "", "S.Kom.", "Penata", "III/c", "SEKSI", "Seksi Data", "BIDANG",
     "Kepala Seksi Data", "PENGAWAS", "", "ya", "AKTIF", ""],
    ["199503032020121003", "PNS", "Andi Wijaya", "", "S.Kom.", "Penata Muda", "III/a", "SEKSI", "", "",
     "Pranata Komputer Ahli Pertama", "FUNGSIONAL", "Ahli Pertama", "tidak", "AKTIF", "rahasia-3"],
    ["197804042003121004", "PNS", "Rina Lestari", "", "S.E., M.M.", "Pembina", "IV/a", "BIDANG", "Bidang Data",
     "DINAS", "Kepala Bidang Data", "ADMINISTRATOR", "", "ya", "AKTIF", ""],
    ["199805052024211005", "PPPK", "Dedi Pratama", "", "", "", "", "SEKSI", "", "",
     "Operator Layanan Operasional", "PELAKSANA", "", "", "", ""],
]


@pytest.fixture
def instansi(db_session):
    with write_transaction(db_session):
        db_session.add(org.Instansi(kode="PROV", nama="Pemerintah Provinsi Uji", jenis="DAERAH", lokasi="Kota Uji"))


def write_csv(path, rows, delimiter=";"):
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def assert_imported(session, result):
    assert result == {"unor_baru": 3, "unor_diubah": 0, "pegawai_baru": 5, "pegawai_diubah": 0, "akun_baru": 2}
    units = {u.kode: u for u in session.scalars(select(org.Unor))}
    assert units["SEKSI"].parent.kode == "BIDANG" and units["BIDANG"].parent.kode == "DINAS"
    assert units["DINAS"].parent is None and units["SEKSI"].nama == "Seksi Data"
    assert counts(session)["jabatan"] == 5
    andi = by_nip(session, "199503032020121003")
    assert (andi.jabatan.jenis_jabatan, andi.jabatan.jf_jenjang, andi.gelar_belakang) == \
        ("FUNGSIONAL", "AHLI_PERTAMA", "S.Kom.")
    assert org.pejabat_penilai(session, andi, ON).nip == "198002022005012002"
    assert by_nip(session, "199805052024211005").jenis_asn == "PPPK"
    assert by_nip(session, "197501012000031001").jabatan.jenis_jabatan == "JPT_PRATAMA"
    akun = session.scalars(select(org.Akun)).all()
    assert len(akun) == 2 and verify_password(by_akun(session, "197501012000031001").password_hash, "rahasia-1")


def by_akun(session, nip):
    return session.scalar(select(org.Akun).join(org.Pegawai).where(org.Pegawai.nip == nip))


def test_import_good_csv_then_update(db_session, instansi, tmp_path):
    path = write_csv(tmp_path / "pegawai.csv", [HEADER] + GOOD)
    assert_imported(db_session, import_pegawai(db_session, path, fast_hash=True))
    # Importing the same file again changes nothing; an edited row updates that pegawai and unit.
    assert import_pegawai(db_session, path, "PROV", fast_hash=True) == \
        {"unor_baru": 0, "unor_diubah": 0, "pegawai_baru": 0, "pegawai_diubah": 0, "akun_baru": 0}
    edited = [list(r) for r in GOOD]
    edited[2][5:7] = ["Penata Muda Tingkat I", "III/b"]
    edited[1][8] = "Seksi Data dan Informasi"
    path = write_csv(tmp_path / "ubah.csv", [HEADER] + edited, delimiter=",")
    assert import_pegawai(db_session, path, fast_hash=True) == \
        {"unor_baru": 0, "unor_diubah": 1, "pegawai_baru": 0, "pegawai_diubah": 1, "akun_baru": 0}
    assert by_nip(db_session, "199503032020121003").golongan_ruang == "III/b"


def test_import_good_xlsx(db_session, instansi, tmp_path):
    path = write_xlsx(tmp_path / "pegawai.xlsx", [HEADER] + GOOD)
    assert_imported(db_session, import_pegawai(db_session, path, "PROV", fast_hash=True))


def test_import_bad_file_reports_every_line_and_writes_nothing(db_session, demo, tmp_path):
    before = counts(db_session)
    bad = [list(r) for r in GOOD[:4]]
    bad[1][0] = "19800202200501200"  # line 3: 17 digits
    bad[2][11] = "Eselon IV"  # line 4: unknown jenis_jabatan
    bad[3][0] = GOOD[0][0]  # line 5: same NIP as line 2
    path = write_csv(tmp_path / "salah.csv", [HEADER] + bad)
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, path, "DEMO", fast_hash=True)
    fields = caught.value.fields
    assert set(fields) == {"baris 3", "baris 4", "baris 5"}
    assert "18 digit" in fields["baris 3"]
    assert "Eselon IV" in fields["baris 4"] and "PENGAWAS" in fields["baris 4"]
    assert GOOD[0][0] in fields["baris 5"] and "baris 2" in fields["baris 5"]
    assert counts(db_session) == before


def test_import_structure_errors(db_session, instansi, tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][9] = "SEKSI"  # line 2: DINAS under SEKSI under BIDANG under DINAS, a cycle
    rows[2][9] = "BIDANG-X"  # line 4: another parent for SEKSI than line 3 gave
    rows[4][13] = "ya"  # line 6: a second leader of SEKSI
    lain = list(GOOD[4])
    lain[0], lain[7:10] = "199906062024211006", ["LAIN", "Unit Lain", "TIDAK-ADA"]  # line 7: unknown parent
    kosong = list(GOOD[4])
    kosong[0], kosong[2], kosong[10] = "199907072024211007", "", "Pengadministrasi Perkantoran"  # line 8: no nama
    path = write_csv(tmp_path / "struktur.csv", [HEADER] + rows + [lain, kosong])
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, path, fast_hash=True)
    fields = caught.value.fields
    assert set(fields) == {"baris 2", "baris 3", "baris 4", "baris 5", "baris 6", "baris 7", "baris 8"}
    assert all("siklus" in fields[f"baris {n}"] for n in (2, 3, 5))
    assert "berbeda dengan baris 3" in fields["baris 4"]
    assert "dua pimpinan" in fields["baris 6"] and "baris 3" in fields["baris 6"]
    assert "TIDAK-ADA" in fields["baris 7"] and "tidak ditemukan" in fields["baris 7"]
    assert fields["baris 8"] == "nama wajib diisi"
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, write_csv(tmp_path / "ok.csv", [HEADER] + GOOD), "ENTAH", fast_hash=True)
    assert "ENTAH" in caught.value.fields["instansi_kode"]
    assert counts(db_session)["unor"] == 0


def test_import_excel_number_nip_is_reported(db_session, instansi, tmp_path):
    rows = [list(r) for r in GOOD]
    rows[1][0] = int(rows[1][0])  # typed into a number-formatted Excel column
    path = write_xlsx(tmp_path / "angka.xlsx", [HEADER] + rows)
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, path, "PROV", fast_hash=True)
    assert set(caught.value.fields) == {"baris 3"}
    assert "angka" in caught.value.fields["baris 3"] and "Teks" in caught.value.fields["baris 3"]
    assert counts(db_session)["pegawai"] == 0


def test_import_missing_columns_and_wrong_format(db_session, instansi, tmp_path):
    header = [c for c in HEADER if c not in ("jenis_jabatan", "unor_induk_kode")]
    path = write_csv(tmp_path / "kurang.csv", [header, GOOD[0][:len(header)]])
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, path, "PROV")
    message = caught.value.fields["kolom"]
    assert "jenis_jabatan" in message and "unor_induk_kode" in message and "kurang.csv" in message
    other = tmp_path / "pegawai.txt"
    other.write_text("nip\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        import_pegawai(db_session, other, "PROV")
    assert "pegawai.txt" in caught.value.fields["berkas"]


def test_atasan_penilai_follows_the_plt_post_and_plt_yields_to_a_holder(db_session):
    """A PLT from another Bidang evaluates through the acting post; a definitive holder replaces a PLT."""
    import datetime as dt

    from sqlalchemy import select

    from app.kinerja import org
    from app.kinerja.demo import PPK_LOGIN, load_demo
    from app.kinerja.org import Jabatan, Pegawai, PenugasanPltPlh

    load_demo(db_session, 2026, fast_hash=True)
    on = dt.date(2026, 3, 1)
    plt = db_session.scalar(select(PenugasanPltPlh))
    vacant_post = plt.jabatan
    staff = db_session.scalar(select(Pegawai).join(Jabatan).where(Jabatan.unor_id == vacant_post.unor_id,
                                                                  Jabatan.is_pimpinan_unor.is_(False)))
    kabid_of_post = org.leader_of(db_session, vacant_post.unor.parent_id, on)
    other_kabid = db_session.scalar(select(Pegawai).join(Jabatan).where(
        Jabatan.jenis_jabatan == "ADMINISTRATOR", Jabatan.unor_id != vacant_post.unor.parent_id,
        Jabatan.nama.like("Kepala Bidang%")))
    outsider = db_session.scalar(select(Pegawai).join(Jabatan).where(
        Jabatan.jenis_jabatan == "PENGAWAS", Jabatan.unor.has(parent_id=other_kabid.jabatan.unor_id)))
    plt.pegawai_id = outsider.id
    db_session.flush()
    assert org.pejabat_penilai(db_session, staff, on).id == outsider.id
    assert org.atasan_pejabat_penilai(db_session, staff, on).id == kabid_of_post.id != other_kabid.id
    staff_peer = db_session.scalar(select(Pegawai).where(Pegawai.id != staff.id, Pegawai.jabatan_id.isnot(None),
                                                         Pegawai.jabatan.has(jenis_jabatan="PELAKSANA")))
    staff_peer.jabatan_id = vacant_post.id  # a definitive head is appointed
    db_session.flush()
    db_session.expire_all()
    assert org.pejabat_penilai(db_session, staff, on).id == staff_peer.id
