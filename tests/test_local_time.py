"""Instants are stored in UTC and shown in the instansi's own time zone (EKINERJA_TIMEZONE), with its
abbreviation: an approval at 06:00 WIB is dated that WIB day, one at 10:00 WIT is printed "10:00 WIT"."""
from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from conftest import DEMO_TAHUN, find
from sqlalchemy.dialects import postgresql, sqlite
from test_pages import Pages
from test_skp_api import JPT_RHK, approve, create_and_submit

from core.db import UtcDateTime
from workflows import clock


def _approve_kadis_at(accounts, as_user, moment: str) -> int:
    kadis, sekda = as_user(find(accounts, "Kepala Dinas")["nip"]), as_user(find(accounts, "Sekretaris Daerah")["nip"])
    skp_id = create_and_submit(kadis, [JPT_RHK], tahun=DEMO_TAHUN)
    clock.set(moment)
    approve(sekda)
    return skp_id


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_approval_at_six_wib_is_dated_that_wib_day(accounts, as_user, client, monkeypatch):
    monkeypatch.setenv("EKINERJA_TIMEZONE", "Asia/Jakarta")
    skp_id = _approve_kadis_at(accounts, as_user, f"{DEMO_TAHUN}-03-04T23:00:00+00:00")  # 5 Maret, 06:00 WIB
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    history = kadis.get(f"/skp/{skp_id}").get_json()["history"]
    setujui = next(h for h in history if h["action"] == "setujui")
    assert dt.datetime.fromisoformat(setujui["at"]).astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H") \
        == f"{DEMO_TAHUN}-03-04 23"  # stored as the instant it was, whatever the database
    text = _docx_text(kadis.get(f"/skp/{skp_id}/document.docx").data)
    assert f"5 Maret {DEMO_TAHUN}" in text and f"4 Maret {DEMO_TAHUN}" not in text

    pages = Pages(client)
    pages.login(find(accounts, "Kepala Dinas")["nip"])
    assert f"05-03-{DEMO_TAHUN} 06:00 WIB" in pages.html(f"/skp/{skp_id}")


def test_approval_at_ten_wit_is_printed_in_wit(accounts, as_user, client, monkeypatch):
    monkeypatch.setenv("EKINERJA_TIMEZONE", "Asia/Jayapura")
    skp_id = _approve_kadis_at(accounts, as_user, f"{DEMO_TAHUN}-03-05T01:00:00+00:00")  # 10:00 WIT
    pages = Pages(client)
    pages.login(find(accounts, "Kepala Dinas")["nip"])
    html = pages.html(f"/skp/{skp_id}")
    assert f"05-03-{DEMO_TAHUN} 10:00 WIT" in html
    assert "WIB" not in html


def test_an_instant_before_midnight_utc_is_the_next_day_in_wit(accounts, as_user, monkeypatch):
    monkeypatch.setenv("EKINERJA_TIMEZONE", "Asia/Jayapura")
    skp_id = _approve_kadis_at(accounts, as_user, f"{DEMO_TAHUN}-03-04T20:00:00+00:00")  # 5 Maret, 05:00 WIT
    kadis = as_user(find(accounts, "Kepala Dinas")["nip"])
    assert f"5 Maret {DEMO_TAHUN}" in _docx_text(kadis.get(f"/skp/{skp_id}/document.docx").data)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_naive_datetimes_are_never_stored(dialect):
    column = UtcDateTime()
    with pytest.raises(ValueError, match="naive datetime"):
        column.process_bind_param(dt.datetime(2026, 3, 5, 6, 0), dialect)
    wit = dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    stored = column.process_bind_param(wit, dialect)
    assert stored.replace(tzinfo=dt.timezone.utc) == wit  # UTC, 01:00
    assert column.process_result_value(stored, dialect) == wit
