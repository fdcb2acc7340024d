"""Editing a price table in a real browser: change a price, see what moves, save, see history, restore.

The app runs on a copy of the bundled tables (LLM_PLANNER_PRICES), never on the bundled files.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright
from served_app import REPO, launch, served_app, settle, wait_for_table

from planner import load_price_book
from planner.price_admin.store import history

ROW_PX = 35  # Streamlit's data grid: header and rows are 35 px high
ROW_MARKER_PX = 30
ID_COLUMN_PX = 130


@pytest.fixture
def prices(tmp_path):
    directory = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", directory)
    return directory


def open_openai_editor(page) -> None:
    """From the comparison page to the grids of OpenAI's table."""
    page.get_by_text("Price tables", exact=True).click()
    settle(page)
    page.get_by_text("Edit this table", exact=True).click()
    settle(page)
    # Centred first: at the foot of the window the list opens out of sight (warnings above can push it there).
    provider = page.get_by_role("combobox", name="Provider")
    provider.evaluate("element => element.scrollIntoView({block: 'center'})")
    provider.click()
    page.get_by_role("option", name="OpenAI (openai, USD)").click()
    settle(page)
    expect(page.get_by_text("models (add a row at the bottom")).to_be_visible()


EDIT_ATTEMPTS = 3


def edit_cell(page, row: int, text: str) -> None:
    """Type ``text`` into the models grid's input-price cell of ``row`` (from 0) and commit it."""
    settle(page)
    grid = page.locator('[data-testid="stDataFrame"]').nth(1)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + ROW_MARKER_PX + ID_COLUMN_PX + 60, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)
    page.keyboard.press("Enter")
    editor = page.locator("input:focus, textarea:focus").first  # the cell's editor takes the focus
    editor.wait_for(state="visible", timeout=5_000)
    editor.fill(text)
    editor.press("Enter")


def test_change_save_history_restore(prices):
    original = (prices / "openai.yaml").read_text()
    with served_app(prices) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(url)
        before = wait_for_table(page)["First-month cost (USD)"]
        open_openai_editor(page)

        # gpt-4.1-mini is the 4th model; its input price is the column after the id. The grid is a canvas
        # that can still be laying itself out: a click that did not open the cell's editor is retried.
        change = page.get_by_text("openai/gpt-4.1-mini: input per million tokens: 0.4 → 0.5")
        for attempt in range(EDIT_ATTEMPTS):
            edit_cell(page, row=3, text="0.5")
            try:
                expect(change).to_be_visible(timeout=10_000)
                break
            except AssertionError:
                if attempt == EDIT_ATTEMPTS - 1:
                    raise
        expect(page.get_by_text("What moves in this scenario")).to_be_visible()

        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved openai.yaml (edited)")).to_be_visible(timeout=15_000)
        assert load_price_book(prices).tables["openai"].models["gpt-4.1-mini"].input_per_million_tokens == 0.5
        assert [v.bundled for v in history(prices, "openai")] == [True]
        after = wait_for_table(page, f"rows => rows && rows['First-month cost (USD)'][0] !== {before[0]!r}")
        assert after["First-month cost (USD)"] != before

        restored = page.get_by_text("openai.yaml restored")
        for attempt in range(EDIT_ATTEMPTS):  # a click during a rerun can be lost: try again
            settle(page)
            restore = page.get_by_role("button", name="Restore this version")
            if not restore.is_visible():
                page.get_by_text("History of openai.yaml (1 kept)").click()
            restore.click()
            try:
                expect(restored).to_be_visible(timeout=10_000)
                break
            except AssertionError:
                if attempt == EDIT_ATTEMPTS - 1 or (prices / "openai.yaml").read_text() == original:
                    raise
        assert (prices / "openai.yaml").read_text() == original
        browser.close()


def test_litellm_upload_shows_the_changes_and_applies_them(prices):
    # A table from before the import: gpt-4o-mini without its cached-input price.
    table = prices / "openai.yaml"
    text = table.read_text()
    cached = "    cached_input_per_million_tokens: 0.075\n"
    assert text.index("  gpt-4o-mini:\n") < text.index(cached) < text.index("  gpt-4o:\n")  # its first use
    table.write_text(text.replace(cached, "", 1))
    with served_app(prices) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(url)
        wait_for_table(page)
        open_openai_editor(page)
        uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="LiteLLM").locator("input[type=file]")
        uploader.set_input_files(str(REPO / "tests" / "fixtures" / "litellm_prices.json"))
        expect(page.get_by_text("openai/gpt-4o-mini: cached input per million tokens: not set → 0.075")).to_be_visible(
            timeout=15_000)
        page.get_by_role("button", name="Apply these changes").click()
        expect(page.get_by_text("Saved openai.yaml (LiteLLM import)")).to_be_visible(timeout=15_000)
        assert load_price_book(prices).tables["openai"].models["gpt-4o-mini"].cached_input_per_million_tokens == 0.075
        browser.close()
