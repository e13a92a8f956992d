"""The top menu in a real browser: one line at 1366 px for every role, and on a 375 px phone a
"Menu" button, nothing wider than the screen, touch targets of at least 44 px."""
from __future__ import annotations

import pytest

from test_browser import base_url, browser, login  # noqa: F401 - fixtures


def one_of_each_role_set(accounts) -> list[dict]:
    seen, chosen = set(), []
    for a in accounts:
        key = tuple(sorted(a["roles"]))
        if key not in seen:
            seen.add(key)
            chosen.append(a)
    return chosen


@pytest.mark.browser
def test_top_menu_fits_on_a_wide_screen_and_folds_on_a_phone(base_url, browser, accounts, tmp_path):  # noqa: F811
    people = one_of_each_role_set(accounts)
    assert any("admin_kinerja" in a["roles"] for a in people) and any(a["roles"] == ["pegawai"] for a in people)
    for who in people:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(15000)
        login(page, base_url, who["nip"])
        page.wait_for_load_state("load")  # the stylesheet applied before anything is measured
        heights = page.evaluate("""() => {
            const bar = document.querySelector('.topbar');
            const items = [...bar.querySelectorAll('nav > a, nav > details > summary, .who > *')];
            const centers = items.filter(e => e.offsetParent !== null)
                .map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
            return {bar: bar.getBoundingClientRect().height, spread: Math.max(...centers) - Math.min(...centers)};
        }""")
        # one line: every item of the bar is centred on the same row, and the bar is one row high
        assert heights["bar"] < 70 and heights["spread"] < 12, (who["jabatan"], heights)
        if "admin_kinerja" in who["roles"]:
            page.click("nav summary:has-text('Administrasi')")
            assert page.locator("nav a:has-text('Konsol Admin')").is_visible()
            page.screenshot(path=str(tmp_path / "menu-1366.png"))
            page.mouse.click(600, 700)  # a click elsewhere closes the group
            assert not page.locator("nav a:has-text('Konsol Admin')").is_visible()
        page.close()

        phone = browser.new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
        phone.set_default_timeout(15000)
        login(phone, base_url, who["nip"])
        phone.wait_for_load_state("load")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), who["jabatan"]
        assert not phone.locator("nav a:has-text('Tugas Saya')").is_visible()
        phone.click(".menu-toggle")
        assert phone.locator("nav a:has-text('Tugas Saya')").is_visible()
        small = phone.evaluate("""() => [...document.querySelectorAll('.topbar a, .topbar button, .topbar summary')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent.trim() || e.getAttribute('aria-label'), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 43.5)""")
        assert small == [], (who["jabatan"], small)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), who["jabatan"]
        phone.screenshot(path=str(tmp_path / f"menu-375-{len(who['roles'])}.png"), full_page=True)
        phone.close()
