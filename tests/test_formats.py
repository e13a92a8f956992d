"""How pages write numbers and dates: the decimal comma, dd-mm-yyyy."""
from __future__ import annotations

import datetime as dt

from app.web.common import desimal, tanggal


def test_numbers_use_the_decimal_comma_and_the_thousands_point():
    assert desimal(66.66666) == "66,7"
    assert desimal(1234.5) == "1.234,5"
    assert desimal(80) == "80"
    assert desimal(2.25, 2) == "2,25"
    assert desimal(None) == "—"


def test_dates_show_as_day_month_year():
    assert tanggal(dt.date(2026, 12, 1)) == "01-12-2026"
    assert tanggal("2026-03-31") == "31-03-2026"
    assert tanggal(None) == "—"


def test_error_places_read_as_words_and_link_to_the_field():
    from app.web.common import galat_id, lokasi

    assert lokasi("rhk[0].iki[1].target") == "RHK 1 · IKI 2 · Target"
    assert lokasi("periode_awal") == "Awal periode"
    assert lokasi("bukti_dukung_url") == "Bukti dukung url"
    assert galat_id("rhk[0].iki[1].target") == "galat-rhk-0-iki-1-target"
