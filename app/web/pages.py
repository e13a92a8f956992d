"""Placeholder until the pages land."""
from . import web


@web.get("/healthz")
def healthz():
    return {"status": "ok"}
