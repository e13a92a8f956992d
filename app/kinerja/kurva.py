"""Kurva / pola distribusi predikat pegawai (SE MenPANRB 3/2023, domain §4.5).

The rules are the decision table ``bpmn/kurva_distribusi.dmn`` (hit policy COLLECT, one row per
rule: predikat organisasi → kelompok predikat pegawai, MAKS | MIN | ADA, persen), deployed with
the evaluation processes, so a process owner changes them without Python. A unit's kurva covers
the penilaian of a period whose pejabat penilai sits in the unit's subtree.

A rule is *broken* when the penilaian already final (plus the one being completed) can no longer
satisfy it whatever the remaining ones get: a MAKS group already holds more than its share of all
pegawai in scope; a MIN/ADA group cannot reach its share even if every remaining pegawai joined it.
Once every penilaian is final this is the plain check of the SE. Shares become counts of pegawai
by rounding (``EKINERJA_KURVA_PEMBULATAN``): ``ketat`` (default) rounds a maximum down and a
minimum up (max 70% of 3 = 2, min 60% of 3 = 2), ``longgar`` the other way round.

Completing a penilaian that breaks its unit's kurva needs ``alasan_kurva``; the override is
recorded (who, when, why, which rules) in ``kurva_override`` and shown with the penilaian.
"""
from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Optional

from markupsafe import escape
from sqlalchemy import JSON, ForeignKey, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UtcDateTime
from core.errors import ValidationFailed
from workflows import clock
from workflows.scripting import register_service

from .capaian import PREDIKAT_ORGANISASI_LABEL, current, current_by_unor
from .org import Jabatan, Pegawai, Unor
from .penilaian import PREDIKAT, PREDIKAT_LABEL, PROCESS, Penilaian, Periode, get_penilaian

PEMBULATAN = ("ketat", "longgar")
BATAS = ("MAKS", "MIN", "ADA", "TERBANYAK")
SIFAT = ("WAJIB", "PERINGATAN")


class KurvaOverride(Base):
    """A penilai completed a penilaian although it breaks the kurva of a unit: who, when, why, what."""

    __tablename__ = "kurva_override"
    id: Mapped[int] = mapped_column(primary_key=True)
    penilaian_id: Mapped[int] = mapped_column(ForeignKey("penilaian.id", ondelete="CASCADE"), index=True)
    unor_id: Mapped[int] = mapped_column(ForeignKey("unor.id"), index=True)
    oleh_id: Mapped[int] = mapped_column(ForeignKey("pegawai.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    alasan: Mapped[str] = mapped_column(Text)
    predikat_organisasi: Mapped[str] = mapped_column(Text)
    pelanggaran: Mapped[list] = mapped_column(JSON, default=list)  # [{kelompok, batas, persen, ..., pesan}]

    unor: Mapped[Unor] = relationship()
    oleh: Mapped[Pegawai] = relationship()


@dataclass(frozen=True)
class Aturan:
    kelompok: tuple[str, ...]
    batas: str  # MAKS | MIN | ADA
    persen: Fraction
    keterangan: str
    sifat: str = "WAJIB"  # WAJIB: breaking it needs alasan_kurva; PERINGATAN: shown only


# ------------------------------------------------------------------ counting (set-based)

def _subtree(unor_id: int):
    tree = select(Unor.id).where(Unor.id == unor_id).cte("subtree", recursive=True)
    return tree.union_all(select(Unor.id).where(Unor.parent_id == tree.c.id))


def sebaran(session: Session, unor_id: int, periode_id: int) -> dict[Optional[str], int]:
    """Penilaian of the period under the unit, by predikat (None: not final yet); one grouped query."""
    tree = _subtree(unor_id)
    rows = session.execute(
        select(Penilaian.predikat, func.count(Penilaian.id))
        .join(Pegawai, Pegawai.id == Penilaian.penilai_id).join(Jabatan, Jabatan.id == Pegawai.jabatan_id)
        .where(Penilaian.periode_id == periode_id, Jabatan.unor_id.in_(select(tree.c.id)))
        .group_by(Penilaian.predikat))
    return {predikat: n for predikat, n in rows}


def distribusi(session: Session, unor_id: int, periode_id: int) -> dict[str, int]:
    """How many pegawai under the unit got each predikat in the period (final penilaian only)."""
    counts = sebaran(session, unor_id, periode_id)
    return {p: counts.get(p, 0) for p in PREDIKAT}


def sebaran_semua(session: Session, instansi_id: int, periode_id: int) -> dict[int, dict[Optional[str], int]]:
    """``sebaran`` of every unor of the instansi at once: one grouped query, rolled up the tree here."""
    parents = dict(session.execute(select(Unor.id, Unor.parent_id).where(Unor.instansi_id == instansi_id)).all())
    rows = session.execute(
        select(Jabatan.unor_id, Penilaian.predikat, func.count(Penilaian.id))
        .join(Pegawai, Pegawai.id == Penilaian.penilai_id).join(Jabatan, Jabatan.id == Pegawai.jabatan_id)
        .join(Periode, Periode.id == Penilaian.periode_id)
        .where(Penilaian.periode_id == periode_id, Periode.instansi_id == instansi_id)
        .group_by(Jabatan.unor_id, Penilaian.predikat))
    result: dict[int, dict[Optional[str], int]] = {u: {} for u in parents}
    for unor_id, predikat, n in rows:
        node, seen = unor_id, set()
        while node is not None and node in parents and node not in seen:
            seen.add(node)
            result[node][predikat] = result[node].get(predikat, 0) + n
            node = parents[node]
    return result


# ------------------------------------------------------------------ the rules (DMN) and the check

def aturan(session: Session, predikat_organisasi: str, process_id: str = "evaluasi_periodik",
           instansi_id: int | None = None) -> list[Aturan]:
    """The rows of the deployed kurva_distribusi.dmn (the version the instansi runs) for one predikat organisasi."""
    from workflows.decisions import decide

    return parse_aturan(decide(session, process_id, "kurva_distribusi.dmn", "kurva_distribusi",
                               {"predikat_organisasi": predikat_organisasi}, instansi_id))


def parse_aturan(out: dict) -> list[Aturan]:
    """Rules from the COLLECT outputs of kurva_distribusi.dmn (one list per output column); a table
    without the ``sifat`` column (deployed before it existed) makes every rule WAJIB."""
    kelompok = out.get("kelompok", [])
    sifat = list(out.get("sifat") or []) + ["WAJIB"] * len(kelompok)
    return [Aturan(tuple(k.strip() for k in str(kel).split(",") if k.strip()), str(b).upper(),
                   Fraction(str(p or 0)), str(t or ""),
                   "PERINGATAN" if str(f or "").strip().upper() == "PERINGATAN" else "WAJIB")
            for kel, b, p, t, f in zip(kelompok, out.get("batas", []), out.get("persen", []),
                                       out.get("keterangan", []), sifat)]


def pembulatan_default() -> str:
    value = os.environ.get("EKINERJA_KURVA_PEMBULATAN", "ketat").strip().lower()
    return value if value in PEMBULATAN else "ketat"


def batas_jumlah(rule: Aturan, n: int, pembulatan: str = "ketat") -> int:
    """The rule's share of n pegawai as a count (MAKS: at most; MIN/ADA: at least; TERBANYAK: none)."""
    if rule.batas == "ADA":
        return 1 if n else 0
    if rule.batas == "TERBANYAK":
        return 0
    exact = rule.persen * n / 100
    up = rule.batas == "MIN" if pembulatan == "ketat" else rule.batas == "MAKS"
    return math.ceil(exact) if up else math.floor(exact)


def _nama_kelompok(kelompok) -> str:
    return " + ".join(PREDIKAT_LABEL.get(k, k) for k in kelompok)


def check(rules: list[Aturan], counts: dict, sisa: int = 0, pembulatan: str | None = None) -> list[dict]:
    """The rules the counts break (see the module docstring); each with a message in Bahasa Indonesia
    and its ``sifat`` (WAJIB or PERINGATAN).

    ``counts`` maps predikat → final penilaian; ``sisa`` is how many in scope are not final yet."""
    pembulatan = pembulatan or pembulatan_default()
    n = sum(v for k, v in counts.items() if k in PREDIKAT) + sisa
    out = []
    for rule in rules:
        jumlah = sum(counts.get(k, 0) for k in rule.kelompok)
        if rule.batas == "TERBANYAK":
            if (v := _terbanyak(rule, counts, jumlah, n, sisa)) is not None:
                out.append(v)
            continue
        limit = batas_jumlah(rule, n, pembulatan)
        broken = jumlah > limit if rule.batas == "MAKS" else jumlah + sisa < limit
        if not broken or n == 0:
            continue
        nama = _nama_kelompok(rule.kelompok)
        share = f"{jumlah} dari {n} pegawai ({round(100 * jumlah / n)}%)"
        if rule.batas == "MAKS":
            pesan = f"{nama}: {share}, melebihi batas {limit} pegawai ({rule.keterangan})"
        elif rule.batas == "MIN":
            pesan = f"{nama}: {share}, kurang dari {limit} pegawai yang diwajibkan ({rule.keterangan})"
        else:
            pesan = f"{rule.keterangan}: belum ada pegawai dengan predikat {nama}"
        if sisa and rule.batas != "MAKS":
            pesan += f"; {sisa} pegawai belum dinilai pun tidak cukup"
        out.append({"kelompok": list(rule.kelompok), "batas": rule.batas, "persen": float(rule.persen),
                    "batas_jumlah": limit, "jumlah": jumlah, "pesan": pesan, "sifat": rule.sifat})
    return out


def _terbanyak(rule: Aturan, counts: dict, jumlah: int, n: int, sisa: int) -> dict | None:
    """A "sebagian besar" rule: broken when another single predikat has more pegawai than the kelompok
    can still reach (the ones not final yet all joining it)."""
    others = [(counts.get(p, 0), p) for p in PREDIKAT if p not in rule.kelompok]
    terbanyak, predikat = max(others, default=(0, None))
    if n == 0 or jumlah + sisa >= terbanyak:
        return None
    pesan = (f"{_nama_kelompok(rule.kelompok)}: {jumlah} dari {n} pegawai ({round(100 * jumlah / n)}%), bukan "
             f"predikat terbanyak — {PREDIKAT_LABEL[predikat]} {terbanyak} pegawai ({rule.keterangan})")
    return {"kelompok": list(rule.kelompok), "batas": rule.batas, "persen": float(rule.persen),
            "batas_jumlah": terbanyak, "jumlah": jumlah, "pesan": pesan, "sifat": rule.sifat}


def wajib(violations: list[dict]) -> list[dict]:
    """The violations that need alasan_kurva (sifat WAJIB)."""
    return [v for v in violations if v.get("sifat", "WAJIB") == "WAJIB"]


def peringatan(violations: list[dict]) -> list[dict]:
    """The violations shown as warnings only (sifat PERINGATAN)."""
    return [v for v in violations if v.get("sifat") == "PERINGATAN"]


# ------------------------------------------------------------------ a unit's kurva, for pages, API, documents

def kurva_unit(session: Session, unor: Unor, periode: Periode, counts: dict | None = None,
               capaian_predikat: str | None = "", rules_cache: dict | None = None) -> dict:
    """Distribution, rules, violations and the SVG chart of one unit in one period.

    ``counts`` (from ``sebaran_semua``), ``capaian_predikat`` and ``rules_cache`` (predikat → rules,
    filled as it goes) let a caller showing many units read each only once."""
    counts = sebaran(session, unor.id, periode.id) if counts is None else counts
    if capaian_predikat == "":  # not given: read it (None: the unit has no capaian)
        row = current(session, unor.id, periode.id)
        capaian_predikat = row.predikat if row else None
    rules_cache = {} if rules_cache is None else rules_cache
    if capaian_predikat and capaian_predikat not in rules_cache:
        rules_cache[capaian_predikat] = aturan(session, capaian_predikat, PROCESS[periode.jenis], periode.instansi_id)
    rules = rules_cache.get(capaian_predikat, []) if capaian_predikat else []
    dist = {p: counts.get(p, 0) for p in PREDIKAT}
    belum = counts.get(None, 0)
    n = sum(dist.values()) + belum
    found = check(rules, dist, belum)
    pelanggaran, warnings = wajib(found), peringatan(found)
    return {"unor_id": unor.id, "unor": unor.nama, "periode_id": periode.id,
            "predikat_organisasi": capaian_predikat, "distribusi": dist, "jumlah_final": sum(dist.values()),
            "belum_final": belum,
            "aturan": [{**asdict(r), "kelompok": list(r.kelompok), "persen": float(r.persen),
                        "batas_jumlah": batas_jumlah(r, n)} for r in rules],
            "pelanggaran": pelanggaran, "peringatan": warnings,
            "svg": svg(dist, rules, n, unor.nama, capaian_predikat)}


def svg(dist: dict[str, int], rules: list[Aturan], n: int | None = None, judul: str = "",
        predikat_organisasi: str | None = None) -> str:
    """Inline SVG: the share of each predikat (bars) against the rule limits of single-predikat rules
    (red dashed line = maximum, green line = minimum); group rules are listed under the chart."""
    total = n if n is not None else sum(dist.values())
    width, left, top, plot_h, col = 520, 44, 50, 150, 92
    height = top + plot_h + 52 + 16 * len(rules)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="kurva-svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" font-family="DejaVu Sans, sans-serif" font-size="11">',
             f'<title>{escape(f"Kurva distribusi {judul}".strip())}</title>']
    org = PREDIKAT_ORGANISASI_LABEL.get(predikat_organisasi or "", "belum ditetapkan")
    parts.append(f'<text x="4" y="15" font-size="12" font-weight="bold">{escape(judul)}</text>'
                 f'<text x="4" y="31">Predikat organisasi: {escape(org)} · {total} pegawai</text>')
    for pct in (0, 50, 100):
        y = top + plot_h - plot_h * pct / 100
        parts.append(f'<line x1="{left}" y1="{y}" x2="{left + col * 5}" y2="{y}" stroke="#ccc" />'
                     f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{pct}%</text>')
    for i, predikat in enumerate(PREDIKAT):
        x = left + i * col
        share = dist.get(predikat, 0) / total if total else 0
        bar_h = plot_h * share
        parts.append(f'<rect x="{x + 18}" y="{top + plot_h - bar_h:.1f}" width="{col - 36}" height="{bar_h:.1f}" '
                     f'fill="#4a78b5"><title>{escape(PREDIKAT_LABEL[predikat])}: {dist.get(predikat, 0)}</title></rect>')
        parts.append(f'<text x="{x + col / 2}" y="{top + plot_h - bar_h - 4:.1f}" text-anchor="middle">'
                     f'{dist.get(predikat, 0)} ({round(100 * share)}%)</text>')
        label = PREDIKAT_LABEL[predikat].replace("/Misconduct", "")
        parts.append(f'<text x="{x + col / 2}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
        for rule in rules:
            if rule.kelompok != (predikat,) or rule.batas in ("ADA", "TERBANYAK"):
                continue
            y = top + plot_h - plot_h * float(rule.persen) / 100
            colour, dash = ("#c0392b", ' stroke-dasharray="5,3"') if rule.batas == "MAKS" else ("#1e8449", "")
            parts.append(f'<line x1="{x + 8}" y1="{y:.1f}" x2="{x + col - 8}" y2="{y:.1f}" stroke="{colour}" '
                         f'stroke-width="2"{dash}><title>{escape(rule.keterangan)}</title></line>')
    y = top + plot_h + 40
    parts.append(f'<text x="{left}" y="{y}">Garis merah putus-putus: batas maksimal; garis hijau: batas minimal.</text>')
    for k, rule in enumerate(rules):
        parts.append(f'<text x="{left}" y="{y + 16 * (k + 1)}">• {escape(rule.keterangan)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------ the penilaian: check, override, show

def _units_of(session: Session, penilai: Optional[Pegawai]) -> list[Unor]:
    """The units whose kurva a penilaian by this penilai counts in: his unit and every unit above it."""
    if penilai is None or penilai.jabatan is None:
        return []
    return penilai.jabatan.unor.ancestors()


def _penilai(session: Session, penilaian: Penilaian) -> Optional[Pegawai]:
    return session.get(Pegawai, penilaian.penilai_id) if penilaian.penilai_id else None


def kurva_penilaian(session: Session, penilaian: Penilaian) -> list[dict]:
    """The kurva of every unit (with a capaian) the penilaian counts in, as the penilai sees it."""
    return [kurva_unit(session, unor, penilaian.periode, capaian_predikat=row.predikat)
            for unor in _units_of(session, _penilai(session, penilaian))
            if (row := current(session, unor.id, penilaian.periode_id)) is not None]


def overrides_json(session: Session, penilaian_id: int) -> list[dict]:
    rows = session.scalars(select(KurvaOverride).where(KurvaOverride.penilaian_id == penilaian_id)
                           .order_by(KurvaOverride.id))
    return [{"unor_id": r.unor_id, "unor": r.unor.nama, "predikat_organisasi": r.predikat_organisasi,
             "oleh": {"nip": r.oleh.nip, "nama": r.oleh.nama_lengkap}, "at": r.at.isoformat(),
             "alasan": r.alasan, "pelanggaran": r.pelanggaran} for r in rows]


@register_service("periksa_kurva")
def periksa_kurva(run, data: dict) -> list[str]:
    """Before the penilaian becomes final: would its predikat break a unit's kurva? Then
    ``alasan_kurva`` is required (422 naming the rules) and the override is recorded."""
    session = run.session
    penilaian = get_penilaian(session, data["penilaian_id"])
    predikat = data.get("predikat")
    by_unor = current_by_unor(session, penilaian.periode.instansi_id, penilaian.periode_id)
    found = []
    for unor in _units_of(session, _penilai(session, penilaian)):
        row = by_unor.get(unor.id)
        if row is None:
            continue
        counts = sebaran(session, unor.id, penilaian.periode_id)
        if penilaian.predikat is None:  # this one is counted as not final yet; count it with its predikat
            counts[None] = max(counts.get(None, 0) - 1, 0)
            counts[predikat] = counts.get(predikat, 0) + 1
        broken = wajib(check(aturan(session, row.predikat, PROCESS[penilaian.periode.jenis],
                                    penilaian.periode.instansi_id), counts,
                             counts.get(None, 0)))  # PERINGATAN rules are shown with the kurva, never block
        if broken:
            found.append((unor, row.predikat, broken))
    if not found:
        return []
    messages = [f"{unor.nama} ({PREDIKAT_ORGANISASI_LABEL[org]}): {v['pesan']}" for unor, org, broken in found
                for v in broken]
    alasan = (data.get("alasan_kurva") or "").strip()
    if not alasan:
        error = ValidationFailed({"alasan_kurva": "wajib diisi karena kurva distribusi tidak terpenuhi: "
                                                  + "; ".join(messages)},
                                 f"Predikat {PREDIKAT_LABEL.get(predikat, predikat)} membuat kurva distribusi "
                                 "tidak terpenuhi; isi alasan_kurva untuk tetap menetapkannya")
        error.details["pelanggaran"] = [{"unor_id": u.id, "unor": u.nama, "predikat_organisasi": o, **v}
                                        for u, o, broken in found for v in broken]
        raise error
    for unor, org, broken in found:
        session.add(KurvaOverride(penilaian_id=penilaian.id, unor_id=unor.id, oleh_id=run.actor_id, at=clock.now(),
                                  alasan=alasan, predikat_organisasi=org, pelanggaran=broken))
    session.flush()
    return messages


def kurva_fields(session: Session, penilaian: Penilaian, viewer) -> dict:
    """What the penilaian's JSON adds: the leader's rating from his unit's capaian, the overrides, and
    for the penilai (and admin kinerja) the kurva; others get ``kurva: null`` (counts of a small unit
    would show colleagues' predikat)."""
    from .capaian import ADMIN_ROLES, rating_pimpinan

    penilai_ids = {penilaian.penilai_id, penilaian.skp.pejabat_penilai_id}
    sees = viewer.id in penilai_ids or viewer.has(*ADMIN_ROLES)
    return {"rating_pimpinan": rating_pimpinan(session, penilaian),
            "kurva": kurva_penilaian(session, penilaian) if sees else None,
            "kurva_override": overrides_json(session, penilaian.id)}
