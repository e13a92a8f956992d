"""Every page of the menu in a real browser, for one account of each role set: at 375x812 the page
never scrolls sideways (wide tables scroll inside their own `.table-scroll` box), and axe-core
(vendored under tests/vendor/axe-core, evaluated by the test, never served by the app) finds no
violation of impact 'serious' or 'critical' at 375x812 nor at 1366x900 (labels, contrast, names...).

Pages: the hrefs of `nav a` (the `details.nav-group` menus included) of each role, plus detail pages
reachable in the demo without creating data (/profil, /notifikasi, /skp, and the first detail
link of Tugas Saya, /layanan, /meja-kerja, /skp, /dialog-kinerja and the admin console, when the
demo has one). A page already checked under an earlier role set is not visited again, to keep the run short.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from test_browser import base_url, browser, login  # noqa: F401 - fixtures
from test_layout_browser import one_of_each_role_set

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;undefined"
EXTRA = ["/profil", "/notifikasi", "/layanan", "/skp"]
# Pages left out of the axe run, with the reason (the width check still runs on them).
AXE_EXCLUDED: dict[str, str] = {}
SKIP_PREFIXES = ("/keluar", "/api/", "/static/")


def menu_paths(page, base_url) -> list[str]:
    hrefs = page.evaluate("() => [...document.querySelectorAll('nav a[href]')].map(a => a.href)")
    paths = []
    for href in hrefs + [base_url + p for p in EXTRA]:
        url = urlparse(href)
        if f"{url.scheme}://{url.netloc}" != base_url or url.path.startswith(SKIP_PREFIXES):
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if path not in paths:
            paths.append(path)
    return paths


# (list page, prefix of its detail pages): the first detail link of each list the role can open.
DETAILS = [("/", "/tugas/"), ("/layanan", "/layanan/"), ("/meja-kerja", "/meja-kerja/"), ("/skp", "/skp/"),
           ("/dialog-kinerja", "/dialog-kinerja/"), ("/admin/instance", "/admin/instance/"),
           ("/admin/instance", "/admin/definisi"), ("/admin/definisi", "/admin/definisi/")]


def first_details(page, base_url, paths) -> list[str]:
    found = []
    for listing, prefix in DETAILS:
        if listing not in paths + found:
            continue
        page.goto(base_url + listing)
        href = page.evaluate("""(prefix) => { const a = [...document.querySelectorAll('main a[href]')]
            .find(a => new URL(a.href).pathname.startsWith(prefix) && !/\\/(unduh|dokumen)/.test(a.href));
            return a ? a.href : null; }""", prefix)
        if href:
            url = urlparse(href)
            path = url.path + (f"?{url.query}" if url.query else "")
            if path not in paths + found:
                found.append(path)
    return found


def serious_violations(page) -> list[str]:
    # The app's Content-Security-Policy (script-src 'self') refuses the inline <script> that
    # page.add_script_tag would add, so axe is evaluated through the DevTools protocol instead.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')]);
    }""")
    return [f"{rule} ({impact}) at {targets}" for rule, impact, targets in found]


@pytest.mark.browser
def test_every_menu_page_fits_a_phone_and_passes_axe(base_url, browser, accounts):  # noqa: F811
    seen: set[str] = set()
    problems: list[str] = []
    for who in one_of_each_role_set(accounts):
        phone = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
        wide = browser.new_page(viewport={"width": 1366, "height": 900})
        for p in (phone, wide):
            p.set_default_timeout(15000)
            login(p, base_url, who["nip"])
        paths = menu_paths(wide, base_url)
        paths += [p for p in first_details(wide, base_url, paths) if p not in paths]
        for path in paths:
            if path in seen:
                continue
            seen.add(path)
            where = f"{path} as {who['jabatan']} {who['roles']}"
            for label, p in (("375", phone), ("1366", wide)):
                response = p.goto(base_url + path)
                p.wait_for_load_state("load")
                assert response is not None and response.status < 400, (where, response and response.status)
                if label == "375":
                    widths = p.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    if widths[0] > widths[1]:
                        problems.append(f"{where} at 375: page is {widths[0]} px wide")
                if path.split("?")[0] not in AXE_EXCLUDED:
                    problems += [f"{where} at {label}: {v}" for v in serious_violations(p)]
        phone.close()
        wide.close()
    print(f"{len(seen)} pages:", " ".join(sorted(seen)))
    assert len(seen) > 10, seen
    assert problems == [], "\n".join(problems)
