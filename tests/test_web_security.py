"""Web security (issue 12 item 11): open redirect, login throttling, logout and revocation, cookies, headers."""
from __future__ import annotations

import time

import pytest

from conftest import DEMO_PASSWORD, find
from test_pages import Pages


@pytest.fixture
def pages(client):
    return Pages(client)


def _kadis(accounts):
    return find(accounts, "Kepala Dinas")["nip"]


# ---------------------------------------------------------------- open redirect after login


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil", "https://evil.example",
                                    "/%0d/x", "/%0a/evil.example", "/%5cevil", "javascript:alert(1)"])
def test_login_never_redirects_off_site(app, pages, accounts, target):
    pages.client.get("/masuk")
    r = pages.client.post(f"/masuk?next={target}", data={"nip": _kadis(accounts), "kata_sandi": DEMO_PASSWORD,
                                                          "csrf_token": pages.token()})
    assert r.status_code == 302 and r.location == "/", (target, r.location)


def test_login_keeps_a_local_next(app, pages, accounts):
    pages.client.get("/masuk")
    r = pages.client.post("/masuk?next=/skp/1", data={"nip": _kadis(accounts), "kata_sandi": DEMO_PASSWORD,
                                                      "csrf_token": pages.token()})
    assert r.status_code == 302 and r.location == "/skp/1"


def test_safe_next_unit():
    from app.auth import safe_next

    for bad in ("/\t/evil.example", "//evil.example", "/\\evil", "https://evil.example", "/\r/x", "", None,
                "/%2F/evil.example", "/ x"):
        assert safe_next(bad) == "/", bad
    assert safe_next("/skp/1?tahun=2026") == "/skp/1?tahun=2026"


# ---------------------------------------------------------------- throttling (the real default limits)


def _page_login(client, pages, nip, password):
    return client.post("/masuk", data={"nip": nip, "kata_sandi": password, "csrf_token": pages.token()})


def test_login_page_throttled_per_nip(app, client, pages, accounts, monkeypatch):
    import limits.storage.memory as memory
    from app.kinerja import password as password_module

    nip = _kadis(accounts)
    client.get("/masuk")
    codes = [_page_login(client, pages, nip, "salah").status_code for _ in range(20)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}

    verified = []
    real_verify = password_module.verify_password
    monkeypatch.setattr("app.auth.verify_password", lambda *a: verified.append(a) or real_verify(*a))
    r = _page_login(client, pages, nip, DEMO_PASSWORD)
    assert r.status_code == 429 and verified == []  # refused before any password hashing
    assert int(r.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk yang gagal" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in

    # another pegawai from the same address is not locked out by this NIP's failures
    other = find(accounts, "Sekretaris")["nip"]
    assert _page_login(client, pages, other, DEMO_PASSWORD).status_code == 302

    # after the 15-minute window the right password works again
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(memory, "time", type("Later", (), {"time": staticmethod(lambda: later)}))
    assert _page_login(client, pages, nip, DEMO_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_token_throttled_per_nip_with_json_error(app, client, accounts):
    nip = _kadis(accounts)
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json={"nip": nip, "password": "salah"}).status_code == 401
    r = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    body = r.get_json()
    assert body["error"]["code"] == "too_many_requests"
    assert "Terlalu banyak percobaan masuk yang gagal" in body["error"]["message"]


def test_successful_logins_do_not_count(app, client, accounts):
    nip = _kadis(accounts)
    for _ in range(12):
        assert client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD}).status_code == 200


def test_login_throttled_per_address(app, client, accounts):
    """30 failures from one address (over many NIPs) close the door to that address for every NIP."""
    nips = [a["nip"] for a in accounts]
    for i in range(30):
        r = client.post("/api/v1/auth/token", json={"nip": nips[i % len(nips)] + "9", "password": "x"})
        assert r.status_code == 401, i
    r = client.post("/api/v1/auth/token", json={"nip": _kadis(accounts), "password": DEMO_PASSWORD})
    assert r.status_code == 429
    other = app.test_client()
    r = other.post("/api/v1/auth/token", json={"nip": _kadis(accounts), "password": DEMO_PASSWORD},
                   environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 200


# ---------------------------------------------------------------- logout and revocation


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_logout_is_a_post_and_ends_every_copy_of_the_cookie(app, pages, accounts):
    assert pages.login(_kadis(accounts)).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", _cookie(pages.client))
    assert copy.get("/").status_code == 200

    r = pages.get("/keluar")  # GET only asks
    assert r.status_code == 200 and 'action="/keluar"' in r.get_data(as_text=True)
    assert pages.get("/").status_code == 200
    assert pages.client.post("/keluar", data={}).status_code == 400  # no CSRF token: refused

    assert pages.post("/keluar", {}).status_code == 302
    r = copy.get("/")
    assert r.status_code == 302 and "/masuk" in r.location


def test_logout_form_in_the_top_bar(app, pages, accounts):
    pages.login(_kadis(accounts))
    html = pages.html("/")
    assert '<form class="logout-form" method="post" action="/keluar">' in html
    assert 'name="csrf_token"' in html.split('class="logout-form"')[1].split("</form>")[0]


def _cli(app, *args):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from app.cli import main

    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _token(client, nip, password=DEMO_PASSWORD) -> dict:
    r = client.post("/api/v1/auth/token", json={"nip": nip, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def test_password_change_ends_sessions_and_tokens(app, client, pages, accounts):
    nip = _kadis(accounts)
    token = _token(client, nip)
    pages.login(nip)
    assert pages.get("/").status_code == 200
    result = _cli(app, "akun", "sandi", nip, "--kata-sandi", "sandi-baru-123")
    assert result.exit_code == 0 and "sesi dan token lamanya dicabut" in result.output, result.output
    assert pages.get("/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD}).status_code == 401
    _token(client, nip, "sandi-baru-123")
    assert _cli(app, "akun", "sandi", nip, "--kata-sandi", "pendek").exit_code == 1


def test_admin_revokes_every_session_and_token(app, client, pages, accounts):
    nip = _kadis(accounts)
    token = _token(client, nip)
    pages.login(nip)
    result = _cli(app, "akun", "cabut-sesi", nip)
    assert result.exit_code == 0, result.output
    assert pages.get("/").status_code == 302
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert pages.login(nip).status_code == 302 and pages.get("/").status_code == 200  # a new login works
    assert _cli(app, "akun", "cabut-sesi", "000").exit_code == 1


def test_admin_revokes_through_the_api(app, client, pages, accounts):
    admin = next(a for a in accounts if "admin_kinerja" in a["roles"] and "superadmin" not in a["roles"])
    nip = _kadis(accounts)
    victim = _token(client, nip)
    pages.login(nip)
    plain = next(a for a in accounts if a["roles"] == ["pegawai"])
    r = client.post(f"/api/v1/pegawai/{nip}/cabut-sesi", headers=_token(client, plain["nip"]))
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/me", headers=victim).status_code == 200

    as_admin = _token(client, admin["nip"])
    assert client.post(f"/api/v1/pegawai/{nip}/cabut-sesi", headers=as_admin).status_code == 204
    assert client.get("/api/v1/me", headers=victim).status_code == 401
    assert pages.get("/").status_code == 302
    for unknown in ("199001012020121999", "1%002", "x" * 40):
        assert client.post(f"/api/v1/pegawai/{unknown}/cabut-sesi", headers=as_admin).status_code == 404


def test_api_token_revocation(app, client, accounts):
    nip = _kadis(accounts)
    first, second = (client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD})
                     .get_json()["access_token"] for _ in range(2))
    h1, h2 = ({"Authorization": f"Bearer {t}"} for t in (first, second))
    assert client.get("/api/v1/me", headers=h1).status_code == 200
    assert client.post("/api/v1/auth/revoke", headers=h2).status_code == 204
    for h in (h1, h2):
        r = client.get("/api/v1/me", headers=h)
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    fresh = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD}).get_json()["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/auth/revoke" in spec["paths"] and "429" in spec["paths"]["/auth/token"]["post"]["responses"]


def test_a_token_a_page_hands_out_ends_with_the_page_session(app, client, pages):
    import json
    import re

    owner = "197711052002121003"  # process owner in the demo
    pages.login(owner)
    html = pages.html("/meja-kerja/skp_perencanaan")
    config = json.loads(re.search(r'id="workbench-config">(.*?)</script>', html, re.S).group(1))
    headers = {"Authorization": f"Bearer {config['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    pages.post("/keluar", {})
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_web_logout_keeps_api_tokens(app, client, pages, accounts):
    """Logging out of the pages ends the page sessions only; a script's token is revoked by /auth/revoke."""
    nip = _kadis(accounts)
    token = client.post("/api/v1/auth/token", json={"nip": nip, "password": DEMO_PASSWORD}).get_json()["access_token"]
    pages.login(nip)
    pages.post("/keluar", {})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# ---------------------------------------------------------------- cookies and headers


def test_session_cookie_flags(app, pages, accounts):
    r = pages.login(_kadis(accounts))
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # the demo is http


def test_secure_cookie_option(database_url, monkeypatch, accounts):
    from app import create_app

    monkeypatch.setenv("EKINERJA_SECURE_COOKIES", "1")
    secure = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret"})
    client = secure.test_client()
    client.get("/masuk")
    pages = Pages(client)
    r = client.post("/masuk", data={"nip": _kadis(accounts), "kata_sandi": DEMO_PASSWORD,
                                    "csrf_token": pages.token()})
    assert r.status_code == 302 and "Secure" in r.headers["Set-Cookie"]
    secure.extensions["db_engine"].dispose()


def _assert_security_headers(r):
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'self'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_security_headers_on_pages_and_api(app, client, pages, accounts):
    r = client.get("/masuk")
    _assert_security_headers(r)
    assert "Strict-Transport-Security" not in r.headers  # plain http: no HSTS
    r = client.post("/api/v1/auth/token", json={"nip": _kadis(accounts), "password": DEMO_PASSWORD})
    _assert_security_headers(r)
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.get_json()['access_token']}"})
    _assert_security_headers(r)
    r = client.get("/masuk", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
