"""Import unor and pegawai from a spreadsheet (.csv or .xlsx): all rows, or nothing.

One row = one pegawai in one position. The first line is the header; these columns must all be
present (in any order; case and spaces in the names do not matter), cells may be empty where noted:

=================== =================================================================================
nip                 18 digits, as text (in Excel: format the column as Text *before* typing NIPs)
jenis_asn           PNS or PPPK (empty = PNS)
nama                name without gelar (required)
gelar_depan         e.g. "Dr. Ir." (may be empty)
gelar_belakang      e.g. "S.Kom., M.T." (may be empty)
pangkat             e.g. "Penata Muda Tingkat I" (may be empty)
golongan_ruang      e.g. "III/b" (may be empty)
unor_kode           code of the pegawai's unit, unique within the instansi (required)
unor_nama           name of the unit (required the first time a unit appears, else keeps the name)
unor_induk_kode     code of the parent unit, in this file or already stored (empty = top level for a
                    new unit, unchanged for a stored one)
jabatan             name of the position within the unit (required)
jenis_jabatan       JPT_UTAMA, JPT_MADYA, JPT_PRATAMA, ADMINISTRATOR, PENGAWAS, PELAKSANA, FUNGSIONAL
                    ("JPT Pratama" and "Pengawas" are read too)
jf_jenjang          for FUNGSIONAL only: AHLI_PERTAMA, AHLI_MUDA, AHLI_MADYA, AHLI_UTAMA, PEMULA,
                    TERAMPIL, MAHIR, PENYELIA
pimpinan_unor       ya / tidak (empty = tidak): the position leads the unit (one per unit)
status_kepegawaian  AKTIF, CLTN, TUBEL, MPP, DIBERHENTIKAN_SEMENTARA, PENSIUN (empty = AKTIF)
=================== =================================================================================

Optional columns: ``password`` (initial password; an account is created only for a pegawai that
this import creates; stored pegawai keep theirs), ``email`` (also headed "E-mail" or "surel": where
notifications are e-mailed; with the column present an empty cell removes a stored address,
without it stored addresses stay) and ``instansi_kode`` (needed only when the instansi is not
given to the import and the database holds more than one instansi), ``penilai_nip`` (also headed
"NIP penilai": the pejabat penilai set explicitly, a NIP in the file or stored, or ``PPK`` for the
instansi's PPK; with the column present an empty cell means "from the organisation tree", without it
stored settings stay; each change is kept in the history with source ``IMPOR``). Other columns (a
"No" column, remarks) are ignored.

A NIP that is well formed but implausible (birth date in the future, TMT CPNS or PPPK appointment
before the 18th birthday or in the future) is imported with a warning naming its line
(``peringatan``); the birth date, sex and TMT CPNS it holds are stored on the pegawai.

Matching: unor by (instansi, unor_kode); jabatan by (unor, jabatan); pegawai by NIP (updated when
stored). Line numbers in errors are the lines the user sees: the header is line 1.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import write_transaction
from core.errors import ValidationFailed
from app.kinerja.nip import isi_dari_nip, kejanggalan, parse_nip
from app.kinerja.org import (JENIS_JABATAN, JF_JENJANG, STATUS_KEPEGAWAIAN, Akun, Instansi, Jabatan, Pegawai,
                             Unor)
from app.kinerja.password import hash_password
from workflows import clock

COLUMNS = ("nip", "jenis_asn", "nama", "gelar_depan", "gelar_belakang", "pangkat", "golongan_ruang", "unor_kode",
           "unor_nama", "unor_induk_kode", "jabatan", "jenis_jabatan", "jf_jenjang", "pimpinan_unor",
           "status_kepegawaian")
OPTIONAL = ("password", "email", "instansi_kode", "penilai_nip")
REQUIRED = ("nip", "nama", "unor_kode", "jabatan", "jenis_jabatan")
ENUMS = {"jenis_asn": ("PNS", "PPPK"), "jenis_jabatan": JENIS_JABATAN, "jf_jenjang": JF_JENJANG,
         "status_kepegawaian": STATUS_KEPEGAWAIAN}
# An address the SMTP servers take without extensions: ASCII local part, a dotted domain name.
EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
ALIASES = {"e_mail": "email", "surel": "email", "nip_penilai": "penilai_nip"}  # other names of a column ("E-mail")
YA, TIDAK = {"ya", "y", "yes", "1", "true"}, {"tidak", "t", "no", "n", "0", "false", ""}
# Bounds checked before a file is parsed: an instansi's pegawai fit well within them.
MAX_ROWS = 20_000
MAX_XLSX_BYTES = 64 * 2**20  # sum of the uncompressed sizes of the workbook's parts
MAX_XLSX_RATIO = 100  # uncompressed / compressed; a real workbook's XML packs 5 to 20 times
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+[0-9]+:[A-Z]+([0-9]+)"')
PEGAWAI_FIELDS = ("jenis_asn", "nama", "gelar_depan", "gelar_belakang", "pangkat", "golongan_ruang",
                  "status_kepegawaian")


def import_pegawai(session: Session, path: Path, instansi_kode: str | None = None, fast_hash: bool = False,
                   after_write=None, peringatan: list | None = None, actor_id: int | None = None) -> dict:
    """Validate the whole file, then write it in one transaction; ValidationFailed lists every bad line.

    ``peringatan`` (a list the caller passes) receives the warnings about implausible NIPs, per line.

    ``after_write(session, counts)`` runs inside that transaction once the rows are written
    (the preview of re-routing raises from there to undo the import)."""
    path = Path(path)
    rows, errors = _read(path)
    plan = _plan(session, rows, instansi_kode, errors)  # fail before the slow password hashing
    hashes = {r["nip"]: hash_password(r["password"], fast=fast_hash) for r in rows
              if r["password"] and r["nip"] not in plan["pegawai"]}
    with write_transaction(session):
        plan = _plan(session, rows, instansi_kode, errors)  # again, under the write lock
        counts = _write(session, rows, plan, hashes, fast_hash)
        if any(r["penilai_nip"] is not None for r in rows):  # the column is there
            counts["penilai_diubah"] = _write_penilai(session, rows, actor_id)
        if peringatan is not None:  # implausible NIPs, imported all the same
            peringatan[:] = [f"baris {r['line']}: {w}" for r in rows for w in r.get("peringatan", [])]
        if after_write is not None:
            after_write(session, counts)
        return counts


# ---------------------------------------------------------------- reading

def _count(n: float) -> str:
    """A count as Indonesians write it: 20.000."""
    return f"{n:,.0f}".replace(",", ".")


def _too_large(path: Path, what: str) -> ValidationFailed:
    return ValidationFailed({"berkas": f"{path.name}: {what}; batasnya {_count(MAX_ROWS)} baris data dan "
                                       f"{MAX_XLSX_BYTES // 2**20} MB isi .xlsx (setelah dibuka). "
                                       "Bagi berkas menjadi beberapa impor"}, "Berkas terlalu besar")


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook that unpacks to more than MAX_XLSX_BYTES or whose first sheet says it has more
    than MAX_ROWS rows, from the zip directory alone: a 1.5 MB "zip bomb" never reaches openpyxl."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if total > MAX_XLSX_BYTES or (total > 2**20 and total / packed > MAX_XLSX_RATIO):
            raise _too_large(path, f"isinya {_count(total / 2**20)} MB setelah dibuka")
        sheet = next((m for m in members if m.filename == "xl/worksheets/sheet1.xml"), None)
        if sheet is not None:
            with archive.open(sheet) as fh:
                found = _DIMENSION.search(fh.read(4096))
            if found and int(found.group(1)) > MAX_ROWS + 1:
                raise _too_large(path, f"lembarnya berisi {_count(int(found.group(1)))} baris")


def _read(path: Path) -> tuple[list[dict], dict[str, list[str]]]:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationFailed({"berkas": f"{path.name}: format tidak didukung, gunakan berkas .csv atau .xlsx"})
    try:
        if suffix == ".xlsx":
            _check_xlsx_size(path)
        raw = []
        for line in _csv_lines(path) if suffix == ".csv" else _xlsx_lines(path):
            raw.append(line)
            if len(raw) > MAX_ROWS + 1:
                raise _too_large(path, f"lebih dari {_count(MAX_ROWS)} baris")
    except UnicodeDecodeError:
        raise ValidationFailed({"berkas": f"{path.name} bukan teks UTF-8; simpan ulang sebagai CSV UTF-8"}) from None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, csv.Error) as exc:
        raise ValidationFailed({"berkas": f"{path.name} tidak dapat dibaca sebagai {suffix}: {exc}"}) from None
    header = [re.sub(r"[\s\-]+", "_", _text(h).lower()) for h in (raw[0][1] if raw else [])]
    header = [ALIASES.get(h, h) for h in header]
    missing = [c for c in COLUMNS if c not in header]
    twice = sorted({h for h in header if h in COLUMNS + OPTIONAL and header.count(h) > 1})
    if missing or twice:
        raise ValidationFailed({"kolom": f"{path.name}: " + "; ".join(
            ([f"kolom wajib tidak ada: {', '.join(missing)}"] if missing else [])
            + ([f"kolom ganda: {', '.join(twice)}"] if twice else []))})
    errors: dict[str, list[str]] = {}
    rows = []
    for line, cells in raw[1:]:
        values = dict(zip(header, list(cells) + [None] * (len(header) - len(cells))))
        if any(_text(v) for v in values.values()):
            rows.append(_check_row(line, values, errors))
    if not rows:
        raise ValidationFailed({"berkas": f"{path.name} tidak berisi baris data di bawah judul kolom"})
    return rows, errors


def _csv_lines(path: Path):
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # sniffed from the header line
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _xlsx_lines(path: Path):
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        yield from enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _check_row(line: int, values: dict, errors: dict[str, list[str]]) -> dict:
    def fail(message: str) -> None:
        errors.setdefault(f"baris {line}", []).append(message)

    row = {c: _text(values.get(c)) for c in COLUMNS + OPTIONAL}
    row["line"] = line
    for column in REQUIRED:
        if not row[column]:
            fail(f"{column} wajib diisi")
    for column, allowed in ENUMS.items():
        given = row[column]
        row[column] = re.sub(r"[\s\-]+", "_", given.upper())
        if given and row[column] not in allowed:
            fail(f"{column} '{given}' tidak dikenal; pilihan: {', '.join(allowed)}")
    row["jenis_asn"] = row["jenis_asn"] or "PNS"
    row["status_kepegawaian"] = row["status_kepegawaian"] or "AKTIF"
    if row["jenis_jabatan"] == "FUNGSIONAL" and not row["jf_jenjang"]:
        fail("jf_jenjang wajib diisi untuk jenis_jabatan FUNGSIONAL")
    if row["jf_jenjang"] and row["jenis_jabatan"] != "FUNGSIONAL":
        fail("jf_jenjang hanya diisi untuk jenis_jabatan FUNGSIONAL")
    row["jf_jenjang"] = row["jf_jenjang"] or None
    pimpinan = row["pimpinan_unor"].lower()
    if pimpinan not in YA | TIDAK:
        fail(f"pimpinan_unor '{row['pimpinan_unor']}' tidak dikenal; isi ya atau tidak")
    row["pimpinan_unor"] = pimpinan in YA
    if "penilai_nip" not in values:
        row["penilai_nip"] = None  # no such column: stored settings stay
    if "email" not in values:
        row["email"] = None  # no such column: stored addresses stay
    elif row["email"] and (len(row["email"]) > 255 or not EMAIL.fullmatch(row["email"])):
        fail(f"email '{row['email']}' tidak valid; contoh: nama@instansi.go.id")
    if isinstance(values.get("nip"), float):  # Excel keeps 15 significant digits of a number
        fail(f"NIP tersimpan sebagai angka di Excel ({values['nip']:.15g}) sehingga digit terakhirnya hilang; "
             "format kolom nip sebagai Teks lalu ketik ulang NIP-nya")
    elif re.fullmatch(r"\d[.,]\d+E\+?\d+", row["nip"], re.IGNORECASE):
        fail(f"NIP '{row['nip']}' ditulis sebagai angka berpangkat (E+17) oleh aplikasi lembar kerja; "
             "format kolom nip sebagai Teks lalu ketik ulang NIP-nya")
    elif row["nip"] and row["jenis_asn"] in ENUMS["jenis_asn"]:
        try:
            info = parse_nip(row["nip"], row["jenis_asn"])
        except ValidationFailed as exc:
            fail("; ".join(exc.fields.values()))
        else:  # well-formed but implausible: imported, with a warning naming the line
            row["peringatan"] = [f"NIP {row['nip']}: {w}" for w in kejanggalan(info, clock.today())]
    return row


# ---------------------------------------------------------------- checks against the file and the database

def _plan(session: Session, rows: list[dict], instansi_kode: str | None, errors: dict[str, list[str]]) -> dict:
    """Check the rows against each other and the database; raise ValidationFailed with every problem."""
    def fail(line: int, message: str) -> None:
        errors.setdefault(f"baris {line}", []).append(message)

    instansi = {i.kode: i for i in session.scalars(select(Instansi))}
    if instansi_kode is not None and instansi_kode not in instansi:
        errors.setdefault("instansi_kode", []).append(f"instansi '{instansi_kode}' tidak ditemukan")
    for r in rows:
        given = r["instansi_kode"]
        if instansi_kode is not None and given and given != instansi_kode:
            fail(r["line"], f"instansi_kode '{given}' berbeda dengan instansi tujuan {instansi_kode}")
        elif instansi_kode is None and given and given not in instansi:
            fail(r["line"], f"instansi '{given}' tidak dikenal")
        elif instansi_kode is None and not given and len(instansi) != 1:
            fail(r["line"], "instansi_kode wajib diisi karena ada lebih dari satu instansi" if instansi
                 else "instansi_kode wajib diisi (belum ada instansi)")
        r["instansi_kode"] = instansi_kode or given or (next(iter(instansi)) if len(instansi) == 1 else "")
        r["unor"] = (r["instansi_kode"], r["unor_kode"])

    # Within the file: duplicate NIP, one value per unit and per position, one leader per unit.
    first_nip, units, positions, leaders = {}, {}, {}, {}
    for r in rows:
        line, nip = r["line"], r["nip"]
        if nip and nip in first_nip:
            fail(line, f"NIP {nip} ganda: sudah ada di baris {first_nip[nip]}")
        if nip:
            first_nip.setdefault(nip, line)
        if not (r["unor_kode"] and r["jabatan"]):
            continue
        unit = units.setdefault(r["unor"], {"line": line})
        for column in ("unor_nama", "unor_induk_kode"):
            if r[column] and unit.setdefault(column, (r[column], line))[0] != r[column]:
                fail(line, f"{column} unor {r['unor_kode']} berbeda dengan baris {unit[column][1]} "
                           f"('{unit[column][0]}')")
        spec = (r["jenis_jabatan"], r["jf_jenjang"], r["pimpinan_unor"])
        known = positions.setdefault((r["unor"], r["jabatan"]), (spec, line))
        if known[0] != spec:
            fail(line, f"jabatan '{r['jabatan']}' di unor {r['unor_kode']} ditulis berbeda di baris {known[1]} "
                       "(jenis_jabatan, jf_jenjang atau pimpinan_unor)")
        if r["pimpinan_unor"]:
            if r["unor"] in leaders:
                fail(line, f"unor {r['unor_kode']} punya dua pimpinan: baris {leaders[r['unor']]['line']} "
                           f"dan baris {line}")
            leaders.setdefault(r["unor"], r)

    # Against the database.
    kode_instansi = {i.id: kode for kode, i in instansi.items()}
    wanted = [instansi[k].id for k in {key[0] for key in units} if k in instansi]
    stored = {(kode_instansi[u.instansi_id], u.kode): u
              for u in session.scalars(select(Unor).where(Unor.instansi_id.in_(wanted)))}
    key_of = {u.id: key for key, u in stored.items()}
    jabatan, by_unit = {}, {}
    for j in session.scalars(select(Jabatan).join(Unor).where(Unor.instansi_id.in_(wanted))):
        jabatan[(key_of[j.unor_id], j.nama)] = j
        by_unit.setdefault(key_of[j.unor_id], []).append(j)
    nips, pegawai = sorted(first_nip), {}
    for start in range(0, len(nips), 500):
        chunk = select(Pegawai).where(Pegawai.nip.in_(nips[start:start + 500]))
        pegawai.update((p.nip, p) for p in session.scalars(chunk))

    def parent_of(key):
        if "unor_induk_kode" in units.get(key, {}):
            return (key[0], units[key]["unor_induk_kode"][0])
        node = stored.get(key)
        return key_of.get(node.parent_id) if node is not None else None

    for key, unit in units.items():
        if key[0] not in instansi:
            continue
        if key not in stored and "unor_nama" not in unit:
            fail(unit["line"], f"unor_nama wajib diisi untuk unor baru {key[1]}")
        if "unor_induk_kode" not in unit:
            continue
        induk, line = unit["unor_induk_kode"]
        if (key[0], induk) not in units and (key[0], induk) not in stored:
            fail(line, f"unor induk '{induk}' tidak ditemukan di berkas maupun di instansi")
            continue
        chain, node = [key], parent_of(key)
        while node is not None and node not in chain:
            chain.append(node)
            node = parent_of(node)
        if node == key:
            fail(line, "unor induk membentuk siklus: " + " → ".join(k[1] for k in chain + [key]))
    for r in rows:
        known, target = pegawai.get(r["nip"]), instansi.get(r["instansi_kode"])
        if known is not None and target is not None and known.instansi_id != target.id:
            fail(r["line"], f"NIP {r['nip']} sudah terdaftar di instansi lain ({kode_instansi[known.instansi_id]})")
    for key, r in leaders.items():
        held = [j.id for j in by_unit.get(key, []) if j.is_pimpinan_unor]
        query = select(Pegawai).where(Pegawai.jabatan_id.in_(held), Pegawai.status_kepegawaian == "AKTIF")
        for other in session.scalars(query) if held else []:
            if other.nip != r["nip"] and other.nip not in first_nip:
                fail(r["line"], f"unor {key[1]} sudah dipimpin oleh NIP {other.nip} ({other.jabatan.nama}) "
                                "yang tidak ada di berkas; pindahkan dulu jabatannya")
    if errors:
        fields = {k: "; ".join(v) for k, v in errors.items() if not k.startswith("baris ")}
        lines = sorted((k for k in errors if k.startswith("baris ")), key=lambda k: int(k.split()[1]))
        fields.update((k, "; ".join(errors[k])) for k in lines)
        raise ValidationFailed(fields, "Berkas impor berisi kesalahan; tidak ada data yang disimpan")
    return {"instansi": instansi, "units": units, "stored": stored, "jabatan": jabatan, "by_unit": by_unit,
            "pegawai": pegawai}


# ---------------------------------------------------------------- writing

def _write(session: Session, rows: list[dict], plan: dict, hashes: dict[str, str], fast_hash: bool) -> dict:
    counts = dict.fromkeys(("unor_baru", "unor_diubah", "pegawai_baru", "pegawai_diubah", "akun_baru"), 0)
    instansi, stored, jabatan, by_unit = plan["instansi"], plan["stored"], plan["jabatan"], plan["by_unit"]
    changed, new = set(), set()
    for key, unit in plan["units"].items():
        node = stored.get(key)
        if node is None:
            node = stored[key] = Unor(instansi=instansi[key[0]], kode=key[1], nama=unit["unor_nama"][0])
            session.add(node)
            new.add(key)
        elif "unor_nama" in unit and node.nama != unit["unor_nama"][0]:
            node.nama = unit["unor_nama"][0]
            changed.add(key)
    for key, unit in plan["units"].items():
        node = stored[key]
        parent = stored[(key[0], unit["unor_induk_kode"][0])] if "unor_induk_kode" in unit else node.parent
        if node.parent is not parent:
            node.parent = parent
            if key not in new:
                changed.add(key)
    counts["unor_baru"], counts["unor_diubah"] = len(new), len(changed)
    session.flush()

    for r in rows:
        key = (r["unor"], r["jabatan"])
        position = jabatan.get(key)
        if position is None:
            position = jabatan[key] = Jabatan(unor=stored[r["unor"]], nama=r["jabatan"])
            session.add(position)
            by_unit.setdefault(r["unor"], []).append(position)
        position.jenis_jabatan, position.jf_jenjang = r["jenis_jabatan"], r["jf_jenjang"]
        if r["pimpinan_unor"]:
            for other in by_unit[r["unor"]]:  # the file names this unit's one leader position
                if other is not position:
                    other.is_pimpinan_unor = False
        position.is_pimpinan_unor = r["pimpinan_unor"]
    session.flush()

    for r in rows:
        position = jabatan[(r["unor"], r["jabatan"])]
        pegawai = plan["pegawai"].get(r["nip"])
        if pegawai is None:
            pegawai = Pegawai(instansi=instansi[r["instansi_kode"]], nip=r["nip"], jabatan=position,
                              email=r["email"] or None, **{f: r[f] for f in PEGAWAI_FIELDS})
            isi_dari_nip(pegawai)
            session.add(pegawai)
            counts["pegawai_baru"] += 1
            if r["password"]:
                password_hash = hashes.get(r["nip"]) or hash_password(r["password"], fast=fast_hash)
                session.add(Akun(pegawai=pegawai, password_hash=password_hash, roles=[]))
                counts["akun_baru"] += 1
            continue
        updates = {f: r[f] for f in PEGAWAI_FIELDS if getattr(pegawai, f) != r[f]}
        if pegawai.jabatan_id != position.id:
            updates["jabatan"] = position
        if r["email"] is not None and pegawai.email != (r["email"] or None):
            updates["email"] = r["email"] or None
        for field, value in updates.items():
            setattr(pegawai, field, value)
        isi_dari_nip(pegawai)  # the jenis_asn may have changed; fills pegawai stored before these columns
        counts["pegawai_diubah"] += bool(updates)
    session.flush()
    return counts


def _write_penilai(session: Session, rows: list[dict], actor_id: int | None) -> int:
    """The column ``penilai_nip``: the explicit pejabat penilai of each row's pegawai (app/kinerja/penilai.py),
    once every pegawai of the file is written (a penilai may come later in the file)."""
    from .penilai import check_import_penilai, set_override

    errors: dict[str, str] = {}
    changed = 0
    for r in rows:
        if r["penilai_nip"] is None:
            continue
        pegawai = session.scalar(select(Pegawai).where(Pegawai.nip == r["nip"]))
        problems: list[str] = []
        ok, penilai = check_import_penilai(session, pegawai, r["penilai_nip"], problems)
        if not ok:
            errors[f"baris {r['line']}"] = "; ".join(problems)
            continue
        changed += set_override(session, pegawai, penilai, actor_id, "impor pegawai", "IMPOR")
    if errors:
        raise ValidationFailed(errors, "Berkas impor berisi kesalahan; tidak ada data yang disimpan")
    session.flush()
    return changed
