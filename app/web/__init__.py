"""Server-rendered pages in Bahasa Indonesia."""
from flask import Blueprint

web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

from . import notifications, pages  # noqa: E402,F401
from . import organisasi  # noqa: E402,F401
from . import penilaian  # noqa: E402,F401
from . import penilaian_dokumen  # noqa: E402,F401
from . import dialog  # noqa: E402,F401
from . import admin  # noqa: E402,F401
from . import workbench  # noqa: E402,F401
from . import matriks, org_change  # noqa: E402,F401
from . import process_documents  # noqa: E402,F401
from . import layanan  # noqa: E402,F401
from . import unit_roles  # noqa: E402,F401
from . import profil  # noqa: E402,F401
from . import tim_kerja  # noqa: E402,F401
from . import verifikasi  # noqa: E402,F401
from . import kegiatan_harian  # noqa: E402,F401
from . import penilai  # noqa: E402,F401
