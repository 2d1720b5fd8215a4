"""Dark mode follows the system setting (`prefers-color-scheme`, emulated here), and every
kind of text on the page stays readable in both: contrast measured on the drawn colours."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.page.conftest import OpenPage, save_screenshot
from tests.page.test_page import HA2_ETHERTYPE, HA2_PORT, ask, last_answer

SCREENSHOT = {"width": 1280, "height": 900}  # tall enough for an answer and its sources in docs/

# The colour an element's text is drawn in, and the first opaque background behind it.
DRAWN = """e => {
  let node = e, back = null;
  while (node && !back) {
    const b = getComputedStyle(node).backgroundColor;
    if (b && b !== 'transparent' && !/rgba\\([^)]*,\\s*0\\)$/.test(b)) back = b;
    node = node.parentElement;
  }
  return [getComputedStyle(e).color, back || 'rgb(255, 255, 255)'];
}"""

# What a reader meets on an answer: each must stand out from what is behind it.
READ = {
    "answer": ".answer-text",
    "question bubble": ".question",
    "warning": ".warning-title",
    "table header": "table.facts th",
    "value": "table.facts td.value",
    "differs badge": ".badge.warn",
    "source link": ".citation .source-link",
    "scope": ".citation .scope",
    "quote": ".citation blockquote",
    "timing": ".timing",
    "question box": "#question",
    "help": "#ask-help",
    "platform family": ".platform-family",
}


def _rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (float(x) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def _luminance(css: str) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(css)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _answer_and_lookup(page: Page) -> None:
    expect(page.get_by_role("status").first).to_contain_text("Ready")
    ask(page, HA2_ETHERTYPE)
    expect(last_answer(page).get_by_role("note", name="Documents disagree")).to_be_visible()
    ask(page, HA2_PORT)  # the last one, in the screenshot: a fact, its sources, the open quote
    expect(page.locator("#conversation .answer")).to_have_count(2)
    page.locator("#platform-form").get_by_label("Firewall model").fill("PA-3260")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#platform-result")).to_contain_text("PA-3200 Series")


def _readability(page: Page) -> dict[str, float]:
    out = {}
    for name, selector in READ.items():
        colour, back = page.locator(selector).first.evaluate(DRAWN)
        out[name] = round(_contrast(colour, back), 2)
    return out


def test_dark_mode_follows_the_system_setting_and_stays_readable(
    open_page: OpenPage, live_server: str, artifacts: Path
) -> None:
    dark = open_page(live_server, SCREENSHOT, color_scheme="dark")
    light = open_page(live_server, SCREENSHOT, color_scheme="light")
    for page in (dark, light):
        _answer_and_lookup(page)

    def background(page: Page, selector: str) -> float:
        return _luminance(page.locator(selector).first.evaluate(DRAWN)[1])

    # Dark where the system asks for it, light otherwise: page, panels, answer, inputs.
    for selector in ("body", ".chat", ".answer", "#question", "#platform-model", "table.facts th"):
        assert background(dark, selector) < 0.06, selector
        assert background(light, selector) > 0.7, selector

    # WCAG AA for text (4.5:1) everywhere a reader looks, in both schemes.
    for scheme, page in (("dark", dark), ("light", light)):
        low = {name: ratio for name, ratio in _readability(page).items() if ratio < 4.5}
        assert not low, f"{scheme}: text too faint against its background: {low}"

    dark.locator("#conversation .turn").last.evaluate("turn => turn.scrollIntoView({block: 'start'})")
    save_screenshot(dark, artifacts, "page-dark")
    light.locator("#conversation .turn").last.evaluate("turn => turn.scrollIntoView({block: 'start'})")
    save_screenshot(light, artifacts, "page-light")
