"""Editing a price table in a real browser: change a price, see what moves, save, see history, restore.

The app runs on a copy of the bundled tables (LLM_PLANNER_PRICES), never on the bundled files.

The editable grid (st.data_editor) draws its cells on a canvas. For screen readers it mirrors them in a
table inside the canvas (role grid, rows, column headers and grid cells); that table has no box on
screen, so Playwright counts it as hidden (``include_hidden``) and cannot click it. A cell is found
there by its row's id and its column's heading (``grid_cell``, tests/served_app.py), and reached as a
keyboard user reaches it: the grid takes the focus, the cell takes the focus (the grid selects it,
aria-selected), and Enter opens the cell's editor, which takes the focus with the cell's value in it.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright
from served_app import (
    REPO,
    choose_view,
    grid_cell,
    launch,
    new_page,
    served_app,
    settle,
    shown,
    uploader,
    wait_for_table,
)

from planner import load_price_book
from planner.price_admin.store import history

SOURCE = "https://openai.com/api/pricing/ (read in the browser test)"


@pytest.fixture
def prices(tmp_path):
    directory = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", directory)
    return directory


def open_editor(page, provider: str, label: str) -> None:
    """From the comparison page to the grids of ``provider``'s table (``label`` in the Provider list)."""
    choose_view(page, "Price tables")
    expect(page.get_by_role("spinbutton", name="Flag prices older than (days)")).to_be_visible()
    settle(page)
    # The switch's input sits under its label, which takes the click.
    page.get_by_text("Edit this table", exact=True).click()
    expect(page.get_by_role("switch", name="Edit this table")).to_be_checked()
    expect(page.get_by_text("models (add a row at the bottom")).to_be_visible()
    settle(page)
    # Centred first: at the foot of the window the list opens below it, out of sight, and draws no options.
    choice = page.get_by_role("combobox", name="Provider")
    choice.evaluate("element => element.scrollIntoView({block: 'center'})")
    choice.click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(choice).to_have_value(label)
    # Drawn: the table's own provider field holds its id (the field's label was "provider", now "Provider").
    expect(page.get_by_role("textbox", name=re.compile(r"^provider$", re.IGNORECASE))).to_have_value(provider)
    settle(page)


def edit_cell(page, row_id: str, column: str, before: str, after: str) -> None:
    """Type ``after`` over ``before`` in the grid cell of ``row_id`` under ``column``, and commit it."""
    settle(page)
    grid, cell = grid_cell(page, row_id, column)
    expect(cell).to_have_text(before)
    # Focus on the grid selects its first cell (when none is) after the focused element's own handler
    # has run, so the grid takes the focus first and the cell then.
    grid.locator("xpath=..").focus()  # the canvas the table sits in
    expect(grid.locator('[role="gridcell"][aria-selected="true"]')).to_have_count(1)
    cell.focus()
    expect(cell).to_have_attribute("aria-selected", "true")
    cell.press("Enter")
    editor = page.get_by_test_id("portal").get_by_role("textbox")
    expect(editor).to_be_focused()
    expect(editor).to_have_value(before)
    editor.fill(after)
    editor.press("Enter")


def test_change_save_history_restore(prices):
    original = (prices / "openai.yaml").read_text()
    with served_app(prices) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = new_page(browser, height=1100)
        page.goto(url)
        before = wait_for_table(page)["First-month running cost (USD)"]
        settle(page)
        open_editor(page, "openai", "OpenAI (openai, USD)")

        edit_cell(page, "gpt-5.4-mini", "input per million tokens", "0.75", "0.8")
        expect(page.get_by_text(shown("openai/gpt-5.4-mini: input per million tokens: 0.75 → 0.8"))).to_be_visible()
        expect(page.get_by_text("What moves in this scenario")).to_be_visible()
        settle(page)

        # A changed price is saved with the source the admin gives (and the "As of" date, today by default).
        save = page.get_by_role("button", name="Save", exact=True)
        expect(save).to_be_disabled()
        source = page.get_by_role("textbox", name=re.compile(r"^Source of the new figures"))
        source.fill(SOURCE)
        source.press("Enter")
        expect(save).to_be_enabled()
        settle(page)
        save.click()
        expect(page.get_by_text("Saved openai.yaml (edited)")).to_be_visible()
        saved = load_price_book(prices).tables["openai"].models["gpt-5.4-mini"]
        assert (saved.input_per_million_tokens, saved.source) == (0.8, SOURCE)
        assert [v.bundled for v in history(prices, "openai")] == [True]
        after = wait_for_table(page, f"rows => rows && rows['First-month running cost (USD)'][0] !== {before[0]!r}")
        assert after["First-month running cost (USD)"] != before
        settle(page)

        page.get_by_text("History of openai.yaml (1 kept)", exact=True).click()  # opens; no rerun
        restore = page.get_by_role("button", name="Restore this version")
        restore.click()
        expect(page.get_by_text(re.compile(r"^openai\.yaml restored"))).to_be_visible()
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
        page = new_page(browser, height=1100)
        page.goto(url)
        wait_for_table(page)
        settle(page)
        open_editor(page, "openai", "OpenAI (openai, USD)")
        uploader(page, "Import prices from LiteLLM's model_prices_and_context_window.json").set_input_files(
            str(REPO / "tests" / "fixtures" / "litellm_prices.json"))
        expect(page.get_by_text(shown("openai/gpt-4o-mini: cached input per million tokens: not set → 0.075"))
               ).to_be_visible()
        settle(page)
        page.get_by_role("button", name="Apply these changes").click()
        expect(page.get_by_text("Saved openai.yaml (LiteLLM import)")).to_be_visible()
        assert load_price_book(prices).tables["openai"].models["gpt-4o-mini"].cached_input_per_million_tokens == 0.075
        browser.close()
