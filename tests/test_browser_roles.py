"""A viewer in a real browser: the read-only switch on, a price edit is a private what-if (its changes
and what they move are shown), and no control that changes the shared tables is on the page."""

from __future__ import annotations

import shutil

from playwright.sync_api import expect, sync_playwright
from served_app import REPO, launch, new_page, served_app, settle, shown, wait_for_table
from test_browser_prices import edit_cell, open_editor

from planner.price_admin.store import read_table, save_table


def test_a_viewer_tries_a_price_and_cannot_save_upload_import_restore_or_reset(tmp_path, monkeypatch):
    prices = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", prices)
    text, version = read_table(prices, "openai")
    save_table(prices, "openai", text.replace("display_name: OpenAI", "display_name: OpenAI (edited)", 1), version,
               author="ana@example.com")  # a kept version, so the history would offer a restore
    original = (prices / "openai.yaml").read_text()
    monkeypatch.setenv("LLM_PLANNER_READ_ONLY", "1")
    with served_app(prices) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = new_page(browser, height=1100)
        page.goto(url)
        wait_for_table(page)
        expect(page.get_by_text(shown("Read-only demo"))).to_be_visible()
        settle(page)
        open_editor(page, "openai", "OpenAI (edited) (openai, USD)")

        edit_cell(page, "gpt-5.4-mini", "input per million tokens", "0.75", "0.8")
        expect(page.get_by_text(shown("openai/gpt-5.4-mini: input per million tokens: 0.75 → 0.8"))).to_be_visible()
        expect(page.get_by_text("What moves in this scenario")).to_be_visible()
        expect(page.get_by_text("A private what-if: only a price admin can save this table")).to_be_visible()
        page.get_by_text("History of openai.yaml (1 kept)", exact=True).click()
        expect(page.get_by_text("What restoring it changes in the current table")).to_be_visible()
        settle(page)
        for name in ("Save", "Save the uploaded table", "Apply these changes", "Restore this version",
                     "Reset to the bundled table"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        for label in ("Upload a new openai.yaml", "Import prices from LiteLLM's model_prices_and_context_window.json"):
            expect(page.get_by_role("region", name=shown(label))).to_have_count(0)
        expect(page.get_by_role("button", name=shown("Download openai.yaml"))).to_be_visible()
        browser.close()
    assert (prices / "openai.yaml").read_text() == original
