"""The public verification page of an archived document: /verifikasi/<kode> (what its QR code opens)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app import get_session
from app.documents import verifikasi

from . import web


@web.app_template_filter("kode_verifikasi")
def kode_verifikasi(kode: str) -> str:
    return verifikasi.tampil(kode or "")


@web.get("/verifikasi")
def verifikasi_form():
    """A form to type the code printed on a document (``?kode=`` goes to its page)."""
    kode = (request.args.get("kode") or "").strip()
    if kode:
        found = verifikasi.normal(kode)
        if found:
            return redirect(url_for("web.verifikasi_page", kode=found))
        return render_template("verifikasi_form.html", kode=kode,
                               error="Kode verifikasi terdiri dari 16 huruf dan angka (mis. ABCD-EFGH-2345-6723)"), 422
    return render_template("verifikasi_form.html", kode="", error=None)


@web.get("/verifikasi/<kode>")
def verifikasi_page(kode):
    return render_template("verifikasi.html", v=verifikasi.lookup(get_session(), kode))
