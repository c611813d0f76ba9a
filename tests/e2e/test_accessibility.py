"""
Accessibility in a real browser (issue 21): axe-core on our pages, reflow at 320 px, computed contrast,
keyboard focus after an upload and after the last "Load more", and an upload with JavaScript off.

axe-core 4.10.3 is vendored in tests/e2e/vendor/ (see its README) and evaluated into the page through the
DevTools protocol, so the pages keep their Content-Security-Policy while it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import VIEWPORT, RunningServer

pytestmark = pytest.mark.e2e

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TOKEN = "quokkafrobnicate"  # a word no demo line contains
LINES = 25  # one search page (20) and one "Load more" (5)


def _axe(page: Page) -> list[dict]:
    """The critical and serious WCAG 2.1 A/AA violations axe finds on the page as it is now."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE_SOURCE + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))",
        WCAG_TAGS)
    return [v for v in result if v["impact"] in ("critical", "serious")]


def _assert_no_serious_violations(page: Page) -> None:
    violations = _axe(page)
    assert not violations, f"axe on {page.url}: {violations}"


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    def parse(css: str) -> tuple[int, int, int]:
        if css.startswith("#"):
            return tuple(int(css[i:i + 2], 16) for i in (1, 3, 5))
        return tuple(int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    high, low = sorted((_luminance(parse(a)), _luminance(parse(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _dashboard(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#kpis")).to_have_attribute("aria-busy", "false")
    expect(page.locator("details[data-chart-table=chart-levels] tbody tr").first).to_be_attached()


def test_axe_finds_nothing_serious_on_the_dashboard(page: Page):
    _dashboard(page)
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-levels')")
    _assert_no_serious_violations(page)


def test_axe_finds_nothing_serious_on_the_login_page(anonymous_page: Page):
    anonymous_page.goto("/login/")
    _assert_no_serious_violations(anonymous_page)


def test_axe_finds_nothing_serious_on_the_admin_cache_page(page: Page):
    page.goto("/admin/cacheops/cache/")
    expect(page.locator("#cache-keys")).to_be_visible()
    _assert_no_serious_violations(page)


def test_axe_finds_nothing_serious_on_the_browsable_api(page: Page):
    response = page.goto("/api/dashboard", wait_until="load")
    assert "text/html" in response.headers["content-type"]
    assert page.locator("html").get_attribute("lang") == "en"
    _assert_no_serious_violations(page)


def test_axe_finds_nothing_serious_on_the_upload_page(page: Page):
    page.goto("/upload/")
    expect(page.get_by_role("heading", name="Upload a log file")).to_be_visible()
    _assert_no_serious_violations(page)


def test_swagger_ui_has_a_language(page: Page):
    page.goto("/api/docs/")
    assert page.locator("html").get_attribute("lang") == "en"
    violations = {v["id"] for v in _axe(page)}
    assert "html-has-lang" not in violations and "html-lang-valid" not in violations


def test_the_admin_cache_page_reflows_at_320_px(page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/admin/cacheops/cache/")
    expect(page.locator("#cache-keys")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at 320 px"
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.cacheops-chart text')]
        .map(t => t.getBoundingClientRect().height).filter(h => h > 0))""")
    assert smallest >= 8, f"chart text is {smallest:.1f} px high"
    page.set_viewport_size(VIEWPORT)


def test_computed_colours_reach_their_contrast(page: Page):
    _dashboard(page)
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-levels')")
    colours = page.evaluate("""() => {
        const style = el => getComputedStyle(document.querySelector(el));
        const chart = Chart.getChart('chart-levels');
        return {
          generated: style('#generated-at').color, body: style('body').backgroundColor,
          footer: style('.page-footer').color,
          input: style('#search-q').borderTopColor, select: style('#upload-product').borderTopColor,
          card: style('.card').backgroundColor,
          bars: chart.data.datasets[0].backgroundColor,
        };
    }""")
    assert _contrast(colours["generated"], colours["body"]) >= 4.5
    assert _contrast(colours["footer"], colours["body"]) >= 4.5
    assert _contrast(colours["input"], colours["card"]) >= 3
    assert _contrast(colours["select"], colours["card"]) >= 3
    assert all(_contrast(bar, colours["card"]) >= 3 for bar in colours["bars"]), colours["bars"]


def _sample(tmp_path: Path, token: str = TOKEN) -> Path:
    path = tmp_path / "quokka.log"
    path.write_text("".join(f"Jun 14 15:16:{i:02d} combo app[{100 + i}]: {token} step {i} done\n"
                            for i in range(LINES)))
    return path


def test_focus_stays_after_an_upload_and_after_the_last_load_more(page: Page, tmp_path: Path):
    _dashboard(page)
    page.set_input_files("#upload-file", str(_sample(tmp_path)))
    button = page.locator("#upload-submit")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#upload-status .alert-ok")).to_have_text("Uploaded quokka.log.")
    assert page.evaluate("() => document.activeElement.id") == "upload-submit"
    assert button.get_attribute("aria-disabled") is None and not button.is_disabled()
    expect(page.locator("#live-status")).to_have_text(f"Uploaded quokka.log: {LINES} lines indexed.")

    page.get_by_label("Search log messages").fill(TOKEN)
    page.keyboard.press("Enter")
    results = page.locator("#search-results > li")
    expect(results).to_have_count(20)
    more = page.locator("#search-more")
    more.focus()
    page.keyboard.press("Enter")
    expect(results).to_have_count(LINES)
    expect(more).to_be_hidden()
    focused = page.evaluate(
        "() => [...document.querySelectorAll('#search-results > li')].indexOf(document.activeElement)")
    assert focused == 20, "focus goes to the first row the last 'Load more' added"


def test_refresh_is_announced(page: Page):
    _dashboard(page)
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#live-status")).to_have_text(re.compile(r"^Figures updated: Total logs [\d,]+, "))


def test_chart_data_is_offered_as_tables(page: Page):
    _dashboard(page)
    for chart, rows in (("chart-per-day", 7), ("chart-levels", None)):
        details = page.locator(f"details[data-chart-table={chart}]")
        details.locator("summary").click()
        body_rows = details.locator("tbody tr")
        if rows:
            expect(body_rows).to_have_count(rows)
        else:
            expect(body_rows.first).to_be_visible()


def test_an_upload_without_javascript_shows_its_result(browser, logdash_server: RunningServer, session_state: dict,
                                                        tmp_path: Path):
    context = browser.new_context(viewport=VIEWPORT, base_url=logdash_server.url, storage_state=session_state,
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#no-js-notice")).to_be_visible()
        for loading in page.get_by_text("Loading…").all():
            expect(loading).to_be_hidden()
        expect(page.locator("#kpis")).to_be_hidden()
        expect(page.locator("#search-form")).to_be_hidden()
        page.set_input_files("#upload-file", str(_sample(tmp_path, "wombatnojs")))
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page).to_have_url(f"{logdash_server.url}/upload/")
        expect(page.get_by_role("heading", name="Uploaded quokka.log")).to_be_visible()
        summary = dict(zip(page.locator(".upload-summary dt").all_inner_texts(),
                           page.locator(".upload-summary dd").all_inner_texts(), strict=True))
        assert summary["Indexed"] == str(LINES)
    finally:
        context.close()
