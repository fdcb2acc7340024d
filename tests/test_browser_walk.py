"""A budgeting session walked in a real browser at 1440 and 1024 px: every view of the examples, read
as text, holds no internal id and no unrounded number, and the comparison table is not cut off.

The text is the page's ``innerText`` without code blocks (the share link is a code block of
base64) and without grids: Streamlit draws them on a canvas, and the few cells it mirrors into the
page for screen readers run together as text ("24121242.5300"). Grid contents are checked as data
in tests/test_app.py.

A view is read once it has drawn: the app idle (tests/served_app.py) and every chart drawn by plotly,
which draws after the run, in the browser, its axes, legends and titles as text.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright
from served_app import REPO, launch, new_page, served_app, settle, wait_for_table

from planner import load_scenario
from planner.outputs.share import encode_scenario

# Each view, and a text that shows once the view has drawn (the ranges view simulates first).
# (The default example's fine-tune, Nova Micro on Bedrock, becomes cheaper to date than RAG in month 8.)
VIEWS = {"Charts": "becomes cheaper to date than", "Ranges and break-even": "Volume axis",
         "Why these numbers?": "Assumptions", "Which approach fits?": "What does the model lack?",
         "Hosting routes": "on every route they could take", "Export and share": "Share:",
         "Price tables": "Flag prices older than"}
WIDTHS = (1440, 1024)
# snake_case ids (fine_tune, one_time, requests_per_month) and dotted keys built from them.
INTERNAL_ID = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
# A number shown with four or more decimals, or an amount of 100 or more with three (2216.378).
UNROUNDED = re.compile(r"(?<![\d.])(?:\d+\.\d{4,}|\d{3,}\.\d{3,}|\d{1,3}(?:,\d{3})+\.\d{3,})(?![\d.])")

PAGE_TEXT_JS = """() => {
  const body = document.querySelector('[data-testid="stAppViewContainer"]') || document.body;
  const copy = body.cloneNode(true);
  // Code, grids (checked as data) and icons (a ligature's name, "keyboard_arrow_right", is not words on screen).
  copy.querySelectorAll('pre, code, [data-testid="stDataFrame"], [data-testid="stIconMaterial"]')
    .forEach(e => e.remove());
  return copy.innerText;
}"""
TABLE_FITS_JS = """() => {
  const table = document.querySelector('[data-testid="stTable"] table');
  return table !== null && table.getBoundingClientRect().right <= window.innerWidth + 1;
}"""

# Each chart has drawn its SVG, text and all (plotly draws in the browser once the element is on the page).
CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => chart.querySelector('.main-svg text') !== null)"""


def url_for(base: str, example: str, view: str) -> str:
    token = encode_scenario(load_scenario(REPO / "examples" / f"{example}.yaml"))
    return f"{base}/?s={token}&view={view.replace(' ', '+').replace('?', '%3F')}"


def problems_in(text: str) -> list[str]:
    found = [f"internal id {m.group(0)!r}" for m in INTERNAL_ID.finditer(text)]
    found += [f"unrounded number {m.group(0)!r}" for m in UNROUNDED.finditer(text)]
    return found


@pytest.fixture(scope="module")
def app_browser():
    with served_app() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        yield url, browser
        browser.close()


CASES = [(example, view, width) for width in WIDTHS for example in ("support_assistant",) for view in VIEWS]
CASES += [(example, view, 1024) for example in ("brand_voice_self_hosted", "json_extraction")
          for view in ("Charts", "Why these numbers?", "Hosting routes")]


@pytest.mark.parametrize(("example", "view", "width"), CASES, ids=[f"{e}-{v}-{w}" for e, v, w in CASES])
def test_views_read_as_words_with_rounded_numbers(app_browser, example, view, width):
    url, browser = app_browser
    page = new_page(browser, width=width)
    try:
        page.goto(url_for(url, example, view))
        wait_for_table(page)
        expect(page.get_by_role("radio", name=view, exact=True)).to_be_checked()
        if example == "support_assistant" or view != "Charts":
            expect(page.get_by_text(VIEWS[view]).first).to_be_visible()
        if view == "Charts":
            expect(page.get_by_test_id("stPlotlyChart").first).to_be_attached()
        settle(page)
        page.wait_for_function(CHARTS_DRAWN_JS)
        text = page.evaluate(PAGE_TEXT_JS)
        assert problems_in(text) == [], text[:3000]
        assert page.evaluate(TABLE_FITS_JS), "the comparison table runs off the right edge"
    finally:
        page.context.close()


def test_the_checks_catch_what_they_look_for():
    assert problems_in("fine_tune costs 2216.378 and 7.166666666; requests_per_month") == [
        "internal id 'fine_tune'", "internal id 'requests_per_month'", "unrounded number '2216.378'",
        "unrounded number '7.166666666'"]
    assert problems_in("Fine-tuning: 0.075 per million tokens, 1,234.56 USD, 2026-11-23") == []
