"""Table documents: a list of rows written as CSV and XLSX from a declarative column spec.

A process makes one with ``buat_dokumen`` (format ``csv``, ``xlsx`` or ``tabel`` = both) and a template
``<name>.table.json`` instead of an HTML/DOCX template (README, "Documents from templates")::

    {"judul": "Laporan Penilaian Kinerja", "lembar": "Laporan", "baris": "data.baris_laporan",
     "kolom": [{"judul": "NIP", "isi": "nip", "teks": true}, {"judul": "Nama", "isi": "nama"}, ...]}

``baris`` is the dotted path of the list of rows in the document's context (``data.<field>`` is the
instance data), each ``isi`` the dotted path of a cell's value in its row. A column with ``teks: true``
(any NIP) is kept as text: in the XLSX a string cell formatted ``@``, in the CSV a quoted field (every
text field is quoted; the file starts with a UTF-8 BOM so spreadsheets read the Indonesian letters).
The writers are used by other exports too (``csv_bytes``, ``xlsx_bytes``).
"""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

SUFFIX = ".table.json"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _path_problem(value, what: str) -> str | None:
    if not isinstance(value, str) or not value or not all(part.isidentifier() for part in value.split(".")):
        return f"{what} harus berupa nama field (boleh bertitik, mis. data.baris), bukan {value!r}"
    return None


def spec_problem(spec) -> str | None:
    """What is wrong with a table spec, or None."""
    if not isinstance(spec, dict):
        return "spesifikasi tabel harus berupa objek JSON"
    unknown = sorted(set(spec) - {"judul", "lembar", "baris", "kolom", "keterangan"})
    if unknown:
        return f"kunci tidak dikenal: {', '.join(unknown)} (kunci: judul, lembar, baris, kolom)"
    problem = _path_problem(spec.get("baris"), "'baris'")
    if problem:
        return problem
    kolom = spec.get("kolom")
    if not isinstance(kolom, list) or not kolom:
        return "'kolom' harus berupa daftar kolom yang tidak kosong"
    for n, column in enumerate(kolom, 1):
        if not isinstance(column, dict) or not isinstance(column.get("judul"), str) or not column["judul"].strip():
            return f"kolom {n}: 'judul' (teks) wajib diisi"
        problem = _path_problem(column.get("isi"), f"kolom {n} ('{column['judul']}'): 'isi'")
        if problem:
            return problem
        if not isinstance(column.get("teks", False), bool):
            return f"kolom {n} ('{column['judul']}'): 'teks' harus true atau false"
    lembar = spec.get("lembar", "")
    if not isinstance(lembar, str) or len(lembar) > 31 or any(ch in lembar for ch in "[]:*?/\\"):
        return "'lembar' harus teks paling panjang 31 karakter tanpa [ ] : * ? / \\"
    return None


def load_spec(path: Path) -> dict:
    """The spec in a ``.table.json`` file; ValueError naming the file and what is wrong."""
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"templat tabel {Path(path).name} tidak dapat dibaca: {exc}") from None
    problem = spec_problem(spec)
    if problem:
        raise ValueError(f"templat tabel {Path(path).name}: {problem}")
    return spec


def _at(value, path: str):
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cell(value, text: bool):
    if value is None:
        return ""
    if text:
        return str(value)
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def table_of(spec: dict, context: dict) -> tuple[list[str], list[list], set[int]]:
    """(headers, rows of cell values, indexes of the text columns) of the spec over a document context."""
    rows = _at(context, spec["baris"])
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise ValueError(f"'{spec['baris']}' bukan daftar baris (ditemukan {type(rows).__name__})")
    columns = spec["kolom"]
    text = {i for i, c in enumerate(columns) if c.get("teks")}
    values = [[_cell(_at(row, c["isi"]), i in text) for i, c in enumerate(columns)] for row in rows]
    return [c["judul"] for c in columns], values, text


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """Comma-separated, every text field quoted (a NIP stays text), UTF-8 with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def add_sheet(book, name: str, headers: list[str], rows: list[list], text: set[int] = frozenset(),
              widths: dict[int, int] | None = None) -> None:
    """One sheet of a write-only openpyxl workbook: a bold header row, then the rows; the ``text``
    columns are string cells formatted ``@`` (Text), so an 18-digit NIP is never read as a number."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name or "Tabel")
    for i, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    for i in text:
        if i not in (widths or {}):
            sheet.column_dimensions[get_column_letter(i + 1)].width = 21
    bold = Font(bold=True)
    header = []
    for label in headers:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        out = []
        for i, value in enumerate(row):
            if i in text:
                cell = WriteOnlyCell(sheet, value=str(value))
                cell.data_type = "s"
                cell.number_format = "@"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)


def workbook():
    from openpyxl import Workbook

    return Workbook(write_only=True)


def save(book, title: str = "") -> bytes:
    if title:
        book.properties.title = title[:255]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(headers: list[str], rows: list[list], text: set[int] = frozenset(), sheet: str = "Tabel",
               title: str = "") -> bytes:
    book = workbook()
    add_sheet(book, sheet, headers, rows, text)
    return save(book, title)


def render(path: Path, fmt: str, context: dict) -> bytes:
    """The table document of a ``.table.json`` template over a frozen ``buat_dokumen`` context."""
    spec = load_spec(path)
    headers, rows, text = table_of(spec, context)
    if fmt == "csv":
        return csv_bytes(headers, rows)
    title = context.get("judul") or spec.get("judul") or ""
    return xlsx_bytes(headers, rows, text, sheet=spec.get("lembar") or "Tabel", title=title)
