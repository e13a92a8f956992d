"""The profile page: identity, what the NIP says, and for a jabatan fungsional the angka kredit with
each requirement of kenaikan pangkat and jenjang."""
from __future__ import annotations

from flask import g, render_template, request

from app import get_session
from app.api.angka_kredit import _visible
from app.api.profil import beranda_json
from workflows import inbox

from . import web

LABEL_SYARAT = {"TERPENUHI": "Terpenuhi", "BELUM_TERPENUHI": "Belum terpenuhi", "BELUM_DIKETAHUI": "Belum diketahui",
                "DI_LUAR_SISTEM": "Di luar sistem"}


@web.get("/profil")
def profil_page():
    """The beranda (the landing page after login): the profile with the people around the pegawai, the year at
    a glance (?tahun=) and how many tasks wait for him."""
    return _render(g.actor.pegawai, tugas=len(inbox.tasks_for(get_session(), g.actor.id)))


@web.get("/profil/<nip>")
def profil_other(nip):
    """Another pegawai's profile: for his pejabat penilai and the admin kinerja of his instansi."""
    return _render(_visible(get_session(), nip))


def _render(pegawai, tugas: int | None = None):
    return render_template("profil.html", profil=beranda_json(get_session(), pegawai, request.args),
                           label_syarat=LABEL_SYARAT, tugas=tugas)
