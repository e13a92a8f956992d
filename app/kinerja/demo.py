"""Demo data: a small provincial government to try every role of the process with.

``load_demo(session, tahun)`` builds the instansi "Pemerintah Provinsi Contoh" (kode ``DEMO``)
in one write transaction and returns the demo accounts (the API contract, "Demo data").
Every account logs in with its NIP and the password ``ekinerja-demo``; every pegawai's e-mail
address is ``<nip>@demo.ekinerja.go.id``.

Organisation (31 pegawai, 4 levels)::

    Sekretariat Daerah Provinsi Contoh ........ Sekretaris Daerah (JPT Madya)
    ├─ Dinas Komunikasi dan Informatika ....... Kepala Dinas (JPT Pratama)
    │  ├─ Sekretariat Dinas ................... Sekretaris Dinas (Administrator)
    │  │  ├─ Subbagian Umum dan Kepegawaian ... Kasubbag (Pengawas) + 2 Pelaksana
    │  │  └─ Subbagian Perencanaan dan Keuangan Kasubbag (Pengawas) + 1 Pelaksana
    │  ├─ Bidang Aplikasi Informatika ......... Kabid (Administrator) + Pranata Komputer
    │  │  │                                     Ahli Muda and Ahli Pertama (penilai: the Kabid)
    │  │  ├─ Seksi Pengembangan Aplikasi ...... Kasi (Pengawas) + Pelaksana + Pranata Komputer
    │  │  └─ Seksi Infrastruktur dan Jaringan . VACANT; PLT = Kasi Pengembangan Aplikasi
    │  │                                        (since 1 January of the year) + 2 Pelaksana
    │  └─ Bidang Statistik dan Persandian ..... Kabid (Administrator) + Statistisi Ahli Pertama
    │     ├─ Seksi Statistik Sektoral ......... Kasi (Pengawas) + 2 Pelaksana
    │     └─ Seksi Persandian dan Keamanan Informasi  Kasi + Pelaksana + Sandiman Ahli Pertama
    └─ Badan Kepegawaian Daerah ............... Kepala Badan (JPT Pratama)
       └─ Bidang Penilaian Kinerja dan Pengembangan Karier  Kabid (Administrator)
          ├─ Subbidang Penilaian Kinerja Aparatur  Kasubbid + Analis SDM Aparatur + Pelaksana
          └─ Subbidang Data dan Sistem Informasi Kepegawaian  Kasubbid + Pranata Komputer

Explicit roles:

* ``admin_kinerja``: Dimas Anggara, S.H. (NIP 199302142019031006), Analis Sumber Daya Manusia
  Aparatur Ahli Pertama, Subbidang Penilaian Kinerja Aparatur, BKD.
* ``process_owner``: Arif Rahman Hakim, S.IP., M.Si. (NIP 197711052002121003), Kepala Bidang
  Penilaian Kinerja dan Pengembangan Karier, BKD.
* ``superadmin``: Ilham Maulana, S.Kom. (NIP 199801012022031002), Pranata Komputer Ahli
  Pertama, Subbidang Data dan Sistem Informasi Kepegawaian, BKD.
* PLT case: Muhammad Rizki Firmansyah, S.Kom., M.Cs. (NIP 198309122009031003), Kepala Seksi
  Pengembangan Aplikasi, is PLT Kepala Seksi Infrastruktur dan Jaringan, so he is the pejabat
  penilai of Dedi Kurniawan and Rina Marlina, S.T.

Tim kerja: "Tim Satu Data Statistik Sektoral" of the Bidang Statistik dan Persandian (year of the demo), ketua
Rahmawati, S.Si. (Statistisi Ahli Pertama), anggota Yoga Pratama, S.Stat. and Lestari Handayani, A.Md.; its
RHK is chosen on the team's page once the Kepala Dinas has an SKP (``TIM_KERJA``).

The Sekretaris Daerah is the pejabat penilai of both JPT Pratama so the whole chain can be
approved top-down; his pejabat penilai is the PPK, "Gubernur Contoh" (app/kinerja/penilai.py), set
explicitly by the admin kinerja, who approves with his own account (mode ``akun``, login
``PPK_LOGIN``, role ``ppk``).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import write_transaction
from app.kinerja import angka_kredit, org, penilai, tim_kerja
from app.kinerja.nip import isi_dari_nip, parse_nip
from app.kinerja.password import hash_password
from workflows import clock

DEMO_KODE = "DEMO"
DEMO_PASSWORD = "ekinerja-demo"
DEMO_EMAIL_DOMAIN = "demo.ekinerja.go.id"  # every demo pegawai has <nip>@demo.ekinerja.go.id

# (kode, nama, kode of the parent unor); parents come first.
UNORS = [
    ("SETDA", "Sekretariat Daerah Provinsi Contoh", None),
    ("KOMINFO", "Dinas Komunikasi dan Informatika", "SETDA"),
    ("KOMINFO.SEKRET", "Sekretariat Dinas", "KOMINFO"),
    ("KOMINFO.SEKRET.UMPEG", "Subbagian Umum dan Kepegawaian", "KOMINFO.SEKRET"),
    ("KOMINFO.SEKRET.RENKEU", "Subbagian Perencanaan dan Keuangan", "KOMINFO.SEKRET"),
    ("KOMINFO.APTIKA", "Bidang Aplikasi Informatika", "KOMINFO"),
    ("KOMINFO.APTIKA.PA", "Seksi Pengembangan Aplikasi", "KOMINFO.APTIKA"),
    ("KOMINFO.APTIKA.INFRA", "Seksi Infrastruktur dan Jaringan", "KOMINFO.APTIKA"),
    ("KOMINFO.STATSAN", "Bidang Statistik dan Persandian", "KOMINFO"),
    ("KOMINFO.STATSAN.STAT", "Seksi Statistik Sektoral", "KOMINFO.STATSAN"),
    ("KOMINFO.STATSAN.SANDI", "Seksi Persandian dan Keamanan Informasi", "KOMINFO.STATSAN"),
    ("BKD", "Badan Kepegawaian Daerah", "SETDA"),
    ("BKD.PKPK", "Bidang Penilaian Kinerja dan Pengembangan Karier", "BKD"),
    ("BKD.PKPK.PKA", "Subbidang Penilaian Kinerja Aparatur", "BKD.PKPK"),
    ("BKD.PKPK.SIK", "Subbidang Data dan Sistem Informasi Kepegawaian", "BKD.PKPK"),
]

# The leader position left without a definitive holder, and the pegawai acting in it (PLT).
VACANT = ("KOMINFO.APTIKA.INFRA", "Kepala Seksi Infrastruktur dan Jaringan", "PENGAWAS")
PLT_NIP = "198309122009031003"
# The PPK (no NIP): the pejabat penilai of the Sekretaris Daerah, logging in with this id.
PPK_LOGIN, PPK_NAMA, PPK_JABATAN = "100000000000000001", "H. Rahmat Hidayat, S.H., M.H.", "Gubernur Contoh"
SEKDA_NIP = "196804121993031001"

L, JM, JP, ADM = True, "JPT_MADYA", "JPT_PRATAMA", "ADMINISTRATOR"
PGW, PLK, JF = "PENGAWAS", "PELAKSANA", "FUNGSIONAL"
# (nip, gelar depan, nama, gelar belakang, pangkat, gol., unor, jabatan, jenis, jf_jenjang, leader, roles)
# Ordered top-down: everyone comes after his or her pejabat penilai.
PEGAWAI = [
    ("196804121993031001", "Dr. Ir. H.", "Bambang Sutrisno", "M.Si.", "Pembina Utama Madya", "IV/d",
     "SETDA", "Sekretaris Daerah", JM, None, L, []),
    ("197103151997031002", "Ir.", "Hendra Wijaya", "M.T.", "Pembina Utama Muda", "IV/c",
     "KOMINFO", "Kepala Dinas Komunikasi dan Informatika", JP, None, L, []),
    ("197509222000032003", "", "Sri Wahyuni", "S.Sos., M.AP.", "Pembina", "IV/a",
     "KOMINFO.SEKRET", "Sekretaris Dinas", ADM, None, L, []),
    ("198002142005011004", "", "Agus Salim", "S.E.", "Penata Tingkat I", "III/d",
     "KOMINFO.SEKRET.UMPEG", "Kepala Subbagian Umum dan Kepegawaian", PGW, None, L, []),
    ("199105072015032001", "", "Dewi Lestari", "A.Md.", "Pengatur Tingkat I", "II/d",
     "KOMINFO.SEKRET.UMPEG", "Pengadministrasi Perkantoran", PLK, None, False, []),
    ("199003182017081003", "", "Rudi Hartono", "S.Kom.", "Penata Muda Tingkat I", "III/b",
     "KOMINFO.SEKRET.UMPEG", "Penata Layanan Operasional", PLK, None, False, []),
    ("198206102008012006", "", "Nurhayati", "S.E., M.Ak.", "Penata Tingkat I", "III/d",
     "KOMINFO.SEKRET.RENKEU", "Kepala Subbagian Perencanaan dan Keuangan", PGW, None, L, []),
    ("199408232019032012", "", "Fitri Handayani", "S.Ak.", "Penata Muda Tingkat I", "III/b",
     "KOMINFO.SEKRET.RENKEU", "Penelaah Teknis Kebijakan", PLK, None, False, []),
    ("197808172003121002", "", "Yudi Prasetyo", "S.T., M.Kom.", "Pembina", "IV/a",
     "KOMINFO.APTIKA", "Kepala Bidang Aplikasi Informatika", ADM, None, L, []),
    ("198505052010011007", "", "Andi Saputra", "S.Kom., M.T.I.", "Penata Tingkat I", "III/d",
     "KOMINFO.APTIKA", "Pranata Komputer Ahli Muda", JF, "AHLI_MUDA", False, []),
    ("199512012020122005", "", "Putri Ramadhani", "S.Kom.", "Penata Muda Tingkat I", "III/b",
     "KOMINFO.APTIKA", "Pranata Komputer Ahli Pertama", JF, "AHLI_PERTAMA", False, []),
    (PLT_NIP, "", "Muhammad Rizki Firmansyah", "S.Kom., M.Cs.", "Penata Tingkat I", "III/d",
     "KOMINFO.APTIKA.PA", "Kepala Seksi Pengembangan Aplikasi", PGW, None, L, []),
    ("199302282018012001", "", "Siti Aminah", "A.Md.Kom.", "Pengatur Tingkat I", "II/d",
     "KOMINFO.APTIKA.PA", "Pengolah Data dan Informasi", PLK, None, False, []),
    ("199607142022031004", "", "Fajar Nugroho", "S.Kom.", "Penata Muda", "III/a",
     "KOMINFO.APTIKA.PA", "Pranata Komputer Ahli Pertama", JF, "AHLI_PERTAMA", False, []),
    ("198811302011011002", "", "Dedi Kurniawan", "", "Pengatur", "II/c",
     "KOMINFO.APTIKA.INFRA", "Teknisi Sarana dan Prasarana", PLK, None, False, []),
    ("199210102019022003", "", "Rina Marlina", "S.T.", "Penata Muda Tingkat I", "III/b",
     "KOMINFO.APTIKA.INFRA", "Pengelola Layanan Operasional", PLK, None, False, []),
    ("197206211998031004", "Drs.", "Eko Purnomo", "M.M.", "Pembina Tingkat I", "IV/b",
     "KOMINFO.STATSAN", "Kepala Bidang Statistik dan Persandian", ADM, None, L, []),
    ("199406092020122009", "", "Rahmawati", "S.Si.", "Penata Muda Tingkat I", "III/b",
     "KOMINFO.STATSAN", "Statistisi Ahli Pertama", JF, "AHLI_PERTAMA", False, []),
    ("198404042009011005", "", "Hadi Susanto", "S.ST., M.Stat.", "Penata", "III/c",
     "KOMINFO.STATSAN.STAT", "Kepala Seksi Statistik Sektoral", PGW, None, L, []),
    ("199710182022031001", "", "Yoga Pratama", "S.Stat.", "Penata Muda", "III/a",
     "KOMINFO.STATSAN.STAT", "Pengolah Data dan Informasi", PLK, None, False, []),
    ("199012122014022002", "", "Lestari Handayani", "A.Md.", "Pengatur Tingkat I", "II/d",
     "KOMINFO.STATSAN.STAT", "Pengadministrasi Perkantoran", PLK, None, False, []),
    ("198601252010012008", "", "Ratna Sari Dewi", "S.Kom.", "Penata", "III/c",
     "KOMINFO.STATSAN.SANDI", "Kepala Seksi Persandian dan Keamanan Informasi", PGW, None, L, []),
    ("199505202019031004", "", "Bayu Setiawan", "A.Md.", "Pengatur", "II/c",
     "KOMINFO.STATSAN.SANDI", "Operator Layanan Operasional", PLK, None, False, []),
    ("199603032021011006", "", "Galih Permana", "S.Tr.Kom.", "Penata Muda", "III/a",
     "KOMINFO.STATSAN.SANDI", "Sandiman Ahli Pertama", JF, "AHLI_PERTAMA", False, []),
    ("197002101995032001", "Dra. Hj.", "Endang Susilowati", "M.Si.", "Pembina Utama Muda", "IV/c",
     "BKD", "Kepala Badan Kepegawaian Daerah", JP, None, L, []),
    ("197711052002121003", "", "Arif Rahman Hakim", "S.IP., M.Si.", "Pembina", "IV/a",
     "BKD.PKPK", "Kepala Bidang Penilaian Kinerja dan Pengembangan Karier", ADM, None, L, ["process_owner"]),
    ("198703172011012004", "", "Wulan Sari", "S.Psi., M.Psi.", "Penata", "III/c",
     "BKD.PKPK.PKA", "Kepala Subbidang Penilaian Kinerja Aparatur", PGW, None, L, []),
    ("199302142019031006", "", "Dimas Anggara", "S.H.", "Penata Muda Tingkat I", "III/b",
     "BKD.PKPK.PKA", "Analis Sumber Daya Manusia Aparatur Ahli Pertama", JF, "AHLI_PERTAMA", False,
     ["admin_kinerja"]),
    ("199608082020122011", "", "Nur Aisyah", "S.AP.", "Penata Muda", "III/a",
     "BKD.PKPK.PKA", "Penelaah Teknis Kebijakan", PLK, None, False, []),
    ("198510102010011009", "", "Teguh Santoso", "S.Kom.", "Penata Tingkat I", "III/d",
     "BKD.PKPK.SIK", "Kepala Subbidang Data dan Sistem Informasi Kepegawaian", PGW, None, L, []),
    ("199801012022031002", "", "Ilham Maulana", "S.Kom.", "Penata Muda", "III/a",
     "BKD.PKPK.SIK", "Pranata Komputer Ahli Pertama", JF, "AHLI_PERTAMA", False, ["superadmin"]),
]


# The demo's tim kerja: unit, name, ketua, anggota (members for the whole year).
TIM_KERJA = ("KOMINFO.STATSAN", "Tim Satu Data Statistik Sektoral", "199406092020122009",
             ["199710182022031001", "199012122014022002"])


def load_demo(session: Session, tahun: int, fast_hash: bool = False) -> list[dict]:
    """Create the demo instansi once and return its accounts, top-down (Sekda first)."""
    if session.scalar(select(org.Instansi).where(org.Instansi.kode == DEMO_KODE)) is None:
        with write_transaction(session):
            _create(session, tahun, fast_hash)
    return _accounts(session, tahun)


def _create(session: Session, tahun: int, fast_hash: bool) -> None:
    # Re-check inside the write transaction: another process may have loaded it meanwhile.
    if session.scalar(select(org.Instansi).where(org.Instansi.kode == DEMO_KODE)) is not None:
        return
    instansi = org.Instansi(kode=DEMO_KODE, nama="Pemerintah Provinsi Contoh", jenis="DAERAH", lokasi="Kota Contoh")
    session.add(instansi)
    unors: dict[str, org.Unor] = {}
    for kode, nama, induk in UNORS:
        unors[kode] = org.Unor(instansi=instansi, kode=kode, nama=nama, parent=unors[induk] if induk else None)
        session.add(unors[kode])

    vacant = org.Jabatan(unor=unors[VACANT[0]], nama=VACANT[1], jenis_jabatan=VACANT[2], is_pimpinan_unor=True)
    session.add(vacant)
    by_nip: dict[str, org.Pegawai] = {}
    for (nip, depan, nama, belakang, pangkat, gol, unor, jabatan, jenis, jenjang, leader, roles) in PEGAWAI:
        parse_nip(nip, "PNS")  # the demo data must be valid; raises ValidationFailed otherwise
        position = org.Jabatan(unor=unors[unor], nama=jabatan, jenis_jabatan=jenis, jf_jenjang=jenjang,
                               is_pimpinan_unor=leader)
        pegawai = org.Pegawai(instansi=instansi, nip=nip, jenis_asn="PNS", nama=nama, gelar_depan=depan,
                              gelar_belakang=belakang, pangkat=pangkat, golongan_ruang=gol, jabatan=position,
                              status_kepegawaian="AKTIF", email=f"{nip}@{DEMO_EMAIL_DOMAIN}")
        isi_dari_nip(pegawai)
        session.add_all([position, pegawai])
        session.add(org.Akun(pegawai=pegawai, password_hash=hash_password(DEMO_PASSWORD, fast=fast_hash),
                             roles=list(roles)))
        by_nip[nip] = pegawai
    session.add(org.PenugasanPltPlh(pegawai=by_nip[PLT_NIP], jabatan=vacant, jenis="PLT",
                                    tmt_mulai=dt.date(tahun, 1, 1), tmt_selesai=None))
    unor, nama, ketua, anggota = TIM_KERJA
    tim = tim_kerja.TimKerja(instansi=instansi, unor=unors[unor], tahun=tahun, nama=nama, dibuat_at=clock.now())
    session.add(tim)
    for nip, peran in [(ketua, "KETUA")] + [(n, "ANGGOTA") for n in anggota]:
        session.add(tim_kerja.AnggotaTim(tim=tim, pegawai=by_nip[nip], peran=peran, mulai=dt.date(tahun, 1, 1)))
    _ppk(session, instansi, by_nip, fast_hash)
    # The AK reference data (PerBKN 3/2023) the demo's jabatan fungsional are converted with.
    angka_kredit.seed_defaults(session)
    session.flush()


def _ppk(session: Session, instansi: org.Instansi, by_nip: dict, fast_hash: bool) -> None:
    """The Gubernur as PPK with an account, and the Sekda's pejabat penilai set to him."""
    person = org.Pegawai(instansi=instansi, nip=PPK_LOGIN, jenis_asn=penilai.JENIS_ASN_PPK, nama=PPK_NAMA,
                         status_kepegawaian="AKTIF")
    session.add(person)
    session.flush()
    session.add(penilai.Ppk(instansi_id=instansi.id, pegawai_id=person.id, jabatan=PPK_JABATAN, nip=None,
                            mode="akun", diubah_at=clock.now()))
    session.add(org.Akun(pegawai=person, password_hash=hash_password(DEMO_PASSWORD, fast=fast_hash), roles=["ppk"]))
    penilai.set_override(session, by_nip[SEKDA_NIP], person, None, "Pejabat penilai Sekretaris Daerah adalah PPK",
                         "DEMO")


def ppk_account(session: Session) -> dict | None:
    """The demo PPK's account in the shape of ``load_demo``'s (listed by ``ekinerja demo load`` after them)."""
    row = session.scalar(select(penilai.Ppk).join(org.Instansi).where(org.Instansi.kode == DEMO_KODE))
    if row is None:
        return None
    akun = session.scalar(select(org.Akun).where(org.Akun.pegawai_id == row.pegawai_id))
    return {"nip": row.pegawai.nip, "password": DEMO_PASSWORD, "nama": row.pegawai.nama_lengkap,
            "jabatan": row.jabatan, "jenis_jabatan": None, "unor": None,
            "roles": org.roles_of(session, row.pegawai, akun), "pejabat_penilai_nip": None}


def _accounts(session: Session, tahun: int) -> list[dict]:
    on = dt.date(tahun, 1, 2)
    found = {p.nip: p for p in session.scalars(
        select(org.Pegawai).join(org.Instansi).where(org.Instansi.kode == DEMO_KODE))}
    result = []
    for row in PEGAWAI:
        pegawai = found.get(row[0])
        if pegawai is None:  # removed by an admin since the demo was loaded
            continue
        akun = session.scalar(select(org.Akun).where(org.Akun.pegawai_id == pegawai.id))
        atasan = org.pejabat_penilai(session, pegawai, on)
        jabatan = pegawai.jabatan
        result.append({
            "nip": pegawai.nip,
            "password": DEMO_PASSWORD,
            "nama": pegawai.nama_lengkap,
            "jabatan": jabatan.nama if jabatan else None,
            "jenis_jabatan": jabatan.jenis_jabatan if jabatan else None,
            "unor": jabatan.unor.nama if jabatan else None,
            "roles": org.roles_of(session, pegawai, akun),
            "pejabat_penilai_nip": atasan.nip if atasan else None,
        })
    return result
