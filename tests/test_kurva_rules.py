"""Kurva distribusi rules of SE MenPANRB 3/2023 (bpmn/kurva_distribusi.dmn) at their boundaries, small-N rounding."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.kinerja.kurva import batas_jumlah, check, parse_aturan, svg
from workflows.decisions import evaluate

SOURCE = (Path(__file__).resolve().parents[1] / "bpmn" / "kurva_distribusi.dmn").read_text()


def rules(org):
    return parse_aturan(evaluate(SOURCE, "kurva_distribusi", {"predikat_organisasi": org}))


def broken(org, sisa=0, pembulatan="ketat", **counts):
    return [(v["kelompok"], v["batas"]) for v in check(rules(org), counts, sisa, pembulatan)]


def test_table_has_one_row_per_rule_of_the_se():
    assert [(r.kelompok, r.batas, int(r.persen)) for r in rules("KURANG")] == [
        (("KURANG",), "MIN", 60), (("BUTUH_PERBAIKAN",), "MIN", 10), (("SANGAT_BAIK",), "MAKS", 10)]
    assert rules("TIDAK_ADA") == []


@pytest.mark.parametrize("org,group,at,over", [
    ("ISTIMEWA", "SANGAT_BAIK", 70, 71), ("BAIK", "BAIK", 70, 71),
    ("BUTUH_PERBAIKAN", "SANGAT_BAIK", 10, 11), ("KURANG", "SANGAT_BAIK", 10, 11)])
def test_maximum_share_at_and_over_the_limit(org, group, at, over):
    filler = {"ISTIMEWA": "BAIK", "BAIK": "KURANG", "BUTUH_PERBAIKAN": "BUTUH_PERBAIKAN", "KURANG": "KURANG"}[org]
    if org == "KURANG":  # keep the other KURANG rules satisfied: 10% BP
        ok = {group: at, "BUTUH_PERBAIKAN": 10, filler: 100 - at - 10}
        bad = {group: over, "BUTUH_PERBAIKAN": 10, filler: 100 - over - 10}
    else:
        ok, bad = {group: at, filler: 100 - at}, {group: over, filler: 100 - over}
    assert broken(org, **ok) == []
    assert broken(org, **bad) == [([group], "MAKS")]


@pytest.mark.parametrize("org,group,rest", [
    ("BUTUH_PERBAIKAN", "BUTUH_PERBAIKAN", {}), ("KURANG", "KURANG", {"BUTUH_PERBAIKAN": 10}),
    ("SANGAT_KURANG", "SANGAT_KURANG", {"KURANG": 10})])
def test_minimum_share_at_and_under_the_limit(org, group, rest):
    filler = 100 - sum(rest.values())
    assert broken(org, **{group: 60, "BAIK": filler - 60}, **rest) == []
    assert broken(org, **{group: 59, "BAIK": filler - 59}, **rest) == [([group], "MIN")]


def test_ten_percent_minimum_of_a_second_group():
    assert broken("KURANG", KURANG=60, BUTUH_PERBAIKAN=10, BAIK=30) == []
    assert broken("KURANG", KURANG=60, BUTUH_PERBAIKAN=9, BAIK=31) == [(["BUTUH_PERBAIKAN"], "MIN")]
    assert broken("SANGAT_KURANG", SANGAT_KURANG=60, KURANG=5, BUTUH_PERBAIKAN=5, BAIK=30) == []
    assert broken("SANGAT_KURANG", SANGAT_KURANG=60, KURANG=5, BUTUH_PERBAIKAN=4, BAIK=31) == [
        (["KURANG", "BUTUH_PERBAIKAN"], "MIN")]
    assert broken("SANGAT_KURANG", SANGAT_KURANG=60, KURANG=10, SANGAT_BAIK=1, BAIK=29) == [(["SANGAT_BAIK"], "MAKS")]


def test_baik_needs_some_butuh_perbaikan_or_kurang():
    assert broken("BAIK", BAIK=7, SANGAT_BAIK=3) == [(["BUTUH_PERBAIKAN", "KURANG"], "ADA")]
    assert broken("BAIK", BAIK=7, SANGAT_BAIK=2, KURANG=1) == []
    assert broken("BAIK", BAIK=7, SANGAT_BAIK=2, BUTUH_PERBAIKAN=1) == []
    assert broken("BAIK", sisa=1, BAIK=7, SANGAT_BAIK=2) == []  # the last one may still be BP/KM


def test_unit_of_three_rounds_counts():
    """max 70% of 3 = 2 allowed; min 60% of 3 = 2 required (ketat); longgar rounds the other way."""
    assert batas_jumlah(rules("ISTIMEWA")[0], 3) == 2 and batas_jumlah(rules("BUTUH_PERBAIKAN")[0], 3) == 2
    assert broken("ISTIMEWA", SANGAT_BAIK=2, BAIK=1) == []
    assert broken("ISTIMEWA", SANGAT_BAIK=3) == [(["SANGAT_BAIK"], "MAKS")]
    assert broken("BUTUH_PERBAIKAN", BUTUH_PERBAIKAN=2, BAIK=1) == []
    assert broken("BUTUH_PERBAIKAN", BUTUH_PERBAIKAN=1, BAIK=2) == [(["BUTUH_PERBAIKAN"], "MIN")]
    assert broken("BUTUH_PERBAIKAN", BUTUH_PERBAIKAN=1, SANGAT_BAIK=1, BAIK=1) == [
        (["BUTUH_PERBAIKAN"], "MIN"), (["SANGAT_BAIK"], "MAKS")]  # 10% of 3 rounds down to 0 allowed
    assert broken("ISTIMEWA", pembulatan="longgar", SANGAT_BAIK=3) == []
    assert broken("BUTUH_PERBAIKAN", pembulatan="longgar", BUTUH_PERBAIKAN=1, BAIK=2) == []


def test_not_final_ones_can_still_satisfy_a_minimum_but_not_undo_a_maximum():
    assert broken("BUTUH_PERBAIKAN", sisa=2, BAIK=1) == []  # two left could both be BP
    assert broken("BUTUH_PERBAIKAN", sisa=1, BAIK=2) == [(["BUTUH_PERBAIKAN"], "MIN")]
    assert broken("ISTIMEWA", sisa=1, SANGAT_BAIK=3) == [(["SANGAT_BAIK"], "MAKS")]  # 3 > 70% of 4
    assert broken("ISTIMEWA", sisa=2, SANGAT_BAIK=3) == []  # 70% of 5 = 3


def test_messages_are_in_bahasa_indonesia_and_the_chart_draws_limits():
    [v] = check(rules("ISTIMEWA"), {"SANGAT_BAIK": 3}, 0, "ketat")
    assert v["pesan"].startswith("Sangat Baik: 3 dari 3 pegawai (100%), melebihi batas 2 pegawai")
    chart = svg({"SANGAT_BAIK": 3, "BAIK": 1}, rules("ISTIMEWA"), judul="Bidang <Uji>", predikat_organisasi="ISTIMEWA")
    assert chart.startswith("<svg") and "Bidang &lt;Uji&gt;" in chart and "Istimewa" in chart
    assert 'stroke-dasharray="5,3"' in chart  # the 70% maximum line
    assert "3 (75%)" in chart


def sifat(org, sisa=0, **counts):
    return [(v["kelompok"], v["batas"], v["sifat"]) for v in check(rules(org), counts, sisa, "ketat")]


def test_sebagian_besar_is_a_warning_when_the_expected_predikat_is_not_the_largest():
    """Issue 16: ISTIMEWA with 10 × BAIK or 10 × SANGAT_KURANG, BAIK with 9 × SB + 1 × BP passed unnoticed."""
    assert sifat("ISTIMEWA", BAIK=10) == [(["SANGAT_BAIK"], "TERBANYAK", "PERINGATAN")]
    assert sifat("ISTIMEWA", SANGAT_KURANG=10) == [(["SANGAT_BAIK"], "TERBANYAK", "PERINGATAN")]
    assert sifat("BAIK", SANGAT_BAIK=9, BUTUH_PERBAIKAN=1) == [(["BAIK"], "TERBANYAK", "PERINGATAN")]
    [v] = check(rules("BAIK"), {"SANGAT_BAIK": 9, "BUTUH_PERBAIKAN": 1}, 0, "ketat")
    assert v["pesan"] == ("Baik: 0 dari 10 pegawai (0%), bukan predikat terbanyak — Sangat Baik 9 pegawai "
                          "(sebagian besar Baik (predikat terbanyak))")
    # the expected predikat is the largest (a tie counts), or the ones not final yet can still make it so
    assert sifat("ISTIMEWA", SANGAT_BAIK=5, BAIK=5) == []
    assert sifat("BAIK", BAIK=4, SANGAT_BAIK=3, KURANG=3) == []
    assert sifat("BAIK", sisa=2, BAIK=1, SANGAT_BAIK=3, KURANG=1) == []
    assert sifat("BAIK", sisa=1, BAIK=1, SANGAT_BAIK=3, KURANG=1) == [(["BAIK"], "TERBANYAK", "PERINGATAN")]


def test_the_process_owner_can_tighten_a_warning_and_old_tables_stay_wajib():
    from app.kinerja.kurva import wajib

    tightened = SOURCE.replace('<outputEntry id="K13_s"><text>"PERINGATAN"</text>', '<outputEntry id="K13_s"><text>"WAJIB"</text>')
    strict = parse_aturan(evaluate(tightened, "kurva_distribusi", {"predikat_organisasi": "BAIK"}))
    found = check(strict, {"SANGAT_BAIK": 9, "BUTUH_PERBAIKAN": 1}, 0, "ketat")
    assert [(v["batas"], v["sifat"]) for v in wajib(found)] == [("TERBANYAK", "WAJIB")]
    # a table deployed before the sifat column: every rule is WAJIB
    old = parse_aturan({"kelompok": ["BAIK"], "batas": ["MAKS"], "persen": [70], "keterangan": ["x"]})
    assert old[0].sifat == "WAJIB"
