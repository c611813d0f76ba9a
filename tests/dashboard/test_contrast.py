"""WCAG 2.1 contrast of the colours we define: text 4.5:1 (1.4.3), components and chart marks 3:1 (1.4.11).

No browser: the colours are read from the files that define them (app.css custom properties and rules,
app.js's level colours, the admin Cache page's chart styles) and the ratios computed with WCAG's formula.
The browser tests check the computed colours of the rendered pages with axe-core on top of this.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "dashboard/static/dashboard/app.css").read_text(encoding="utf-8")
JS = (ROOT / "dashboard/static/dashboard/app.js").read_text(encoding="utf-8")
CACHE_PAGE = (ROOT / "cacheops/templates/admin/cacheops/cache.html").read_text(encoding="utf-8")
WHITE = "#ffffff"


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _custom_properties() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", root))


def _rule_colour(selector: str, prop: str) -> str:
    body = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS).group(1)
    return re.search(rf"(?<![\w-]){prop}:\s*(#[0-9a-fA-F]{{3,6}})", body).group(1)


def test_formula_matches_known_ratios() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#64748b", "#f4f6fa") == pytest.approx(4.39, abs=0.01)  # the audit's #generated-at


@pytest.mark.parametrize(("foreground", "background"), [
    ("text", "bg"), ("text", "card"), ("muted", "bg"), ("muted", "card"), ("primary", "card"), ("error", "card"),
])
def test_text_colours_reach_4_5(foreground: str, background: str) -> None:
    props = _custom_properties()
    assert contrast(props[foreground], props[background]) >= 4.5


@pytest.mark.parametrize("background", ["bg", "card"])
def test_control_borders_reach_3(background: str) -> None:
    props = _custom_properties()
    assert contrast(props["control-border"], props[background]) >= 3.0
    assert contrast(props["control-border"], WHITE) >= 3.0


def test_inputs_and_buttons_use_the_control_border() -> None:
    for selector in ('input[type="text"], input[type="search"], input[type="password"], select {', ".btn {"):
        body = CSS[CSS.index(selector):CSS.index("}", CSS.index(selector))]
        assert "border: 1px solid var(--control-border)" in body, selector


def test_volume_bars_reach_3_on_their_track() -> None:
    assert contrast(_rule_colour(".bar-fill", "background"), _rule_colour(".bar-track", "background")) >= 3.0


def test_level_chart_bars_reach_3_on_the_card() -> None:
    block = re.search(r"LEVEL_COLORS = \{(.*?)\};", JS, re.S).group(1)
    colours = dict(re.findall(r'(\w+): "(#[0-9a-fA-F]{6})"', block))
    assert set(colours) >= {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "UNKNOWN"}
    ratios = {level: round(contrast(colour, WHITE), 2) for level, colour in colours.items()}
    assert all(ratio >= 3.0 for ratio in ratios.values()), ratios


def test_admin_cache_chart_marks_and_legend_reach_3() -> None:
    fills = dict(re.findall(r"\.cacheops-chart \.(hits|stale|misses|errors|dot) \{ fill: (#[0-9a-fA-F]{6}); \}",
                            CACHE_PAGE))
    assert set(fills) == {"hits", "stale", "misses", "errors", "dot"}
    ratios = {name: round(contrast(colour, WHITE), 2) for name, colour in fills.items()}
    assert all(ratio >= 3.0 for ratio in ratios.values()), ratios
    text_fill = re.search(r"\.cacheops-chart text \{[^}]*fill: var\(--body-fg, (#[0-9a-fA-F]{3,6})\)", CACHE_PAGE)
    assert contrast(text_fill.group(1), WHITE) >= 4.5
