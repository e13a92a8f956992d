"""Pages for leaders and admin kinerja: capaian kinerja organisasi of the units below, and monitoring."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from app import get_session
from app.api.monitoring import EXPORTS, export_response
from app.api.tukin import admin_instansi, matriks_response
from core.db import write_transaction
from core.errors import ValidationFailed
from app.kinerja import capaian as capaian_mod
from app.kinerja.monitoring import monitoring
from app.kinerja.penilaian import PREDIKAT_LABEL, Periode

from . import web
from .common import parse_id


def _periods_and_chosen(wanted: str | int = ""):
    """The periods of the caller's instansi and the one asked for (default: the newest opened one)."""
    session = get_session()
    periods = session.scalars(select(Periode).where(Periode.instansi_id == g.actor.pegawai.instansi_id)
                              .order_by(Periode.periode_awal.desc(), Periode.id.desc())).all()
    wanted = str(wanted or request.args.get("periode_id", ""))
    if wanted:
        return periods, capaian_mod.periode_of_instansi(session, g.actor.pegawai.instansi_id, parse_id(wanted))
    return periods, next((p for p in periods if p.dibuka_at), periods[0] if periods else None)


@web.get("/capaian")
def capaian_page():
    periods, periode = _periods_and_chosen()
    rows = capaian_mod.daftar(get_session(), g.actor, periode) if periode else []
    return render_template("capaian.html", periods=periods, periode=periode, rows=rows,
                           mine=[r for r in rows if r["boleh_menetapkan"]],
                           predikat=capaian_mod.PREDIKAT_ORGANISASI_LABEL, errors={}, form={})


@web.post("/capaian/<unor_id>/<periode_id>")
def capaian_set(unor_id, periode_id):
    session = get_session()
    data = {"predikat": request.form.get("predikat", ""), "dasar": request.form.get("dasar", "")}
    try:
        with write_transaction(session):
            row = capaian_mod.tetapkan(session, g.actor, parse_id(unor_id), parse_id(periode_id), data)
    except ValidationFailed as exc:
        session.rollback()
        periods, periode = _periods_and_chosen(periode_id)
        rows = capaian_mod.daftar(session, g.actor, periode)
        return render_template("capaian.html", periods=periods, periode=periode, rows=rows,
                               mine=[r for r in rows if r["boleh_menetapkan"]],
                               predikat=capaian_mod.PREDIKAT_ORGANISASI_LABEL,
                               errors={int(unor_id): exc.fields}, form={int(unor_id): data}), 422
    flash(f"Capaian {row.unor.nama} periode {row.periode.nama} ditetapkan: "
          f"{capaian_mod.PREDIKAT_ORGANISASI_LABEL[row.predikat]}", "success")
    return redirect(url_for("web.capaian_page", periode_id=row.periode_id))


@web.get("/monitoring/tukin")
def tukin_export():
    """The Tukin/TPP matrix of a year (XLSX or CSV) for the admin kinerja, linked from the monitoring page."""
    return matriks_response(get_session(), admin_instansi(), request.args)


@web.get("/monitoring")
def monitoring_page():
    periods, periode = _periods_and_chosen()
    unor_id = parse_id(request.args["unor_id"]) if request.args.get("unor_id") else None
    data = monitoring(get_session(), g.actor, periode, unor_id) if periode else None
    fmt = request.args.get("format", "")
    if data is not None and fmt in EXPORTS:
        return export_response(data, fmt)
    return render_template("monitoring.html", periods=periods, periode=periode, data=data, unor_id=unor_id,
                           predikat_label=PREDIKAT_LABEL, predikat_org=capaian_mod.PREDIKAT_ORGANISASI_LABEL)
