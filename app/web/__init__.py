"""Server-rendered pages in Bahasa Indonesia."""
from flask import Blueprint

web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

from . import notifications, pages  # noqa: E402,F401
from . import matriks, organisasi  # noqa: E402,F401
