"""The app in a real browser (Debian's headless Chromium, driven by Playwright): it loads, follows an
input, downloads the CLI's CSV byte for byte, and a shared link reopens the same scenario.

Each test opens the app in a new browser context, so it starts from a session of its own whatever ran
before it. Every wait is for a state of the page (tests/served_app.py), never for a fixed time.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect, sync_playwright
from served_app import REPO, choose_view, launch, new_page, served_app, settle, shown, uploader, wait_for_table

from planner import estimate, load_price_book, load_scenario, scenario_from_dict
from planner.outputs.export import summary_rows
from planner.outputs.share import decode_scenario

EXAMPLE = REPO / "examples" / "support_assistant.yaml"  # the app's default
MONTH_1 = "First-month running cost (USD)"


def expected_rows(requests: int | None = None) -> dict[str, list[str]]:
    data = load_scenario(EXAMPLE).model_dump(mode="json")
    if requests is not None:
        data["workload"]["requests_per_month"] = requests
    return dict(summary_rows(estimate(scenario_from_dict(data), load_price_book(REPO / "pricing"))))


def row_is(label: str, values: list[str]) -> str:
    compact = json.dumps(values, separators=(",", ":"))  # as JSON.stringify writes it
    return f"rows => rows !== null && JSON.stringify(rows[{json.dumps(label)}]) === {json.dumps(compact)}"


@pytest.fixture(scope="module")
def app_browser():
    with served_app() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        yield url, browser
        browser.close()


@pytest.fixture
def browser_page(app_browser):
    """The app, loaded and idle, in a new context (a new session on the server)."""
    url, browser = app_browser
    page = new_page(browser, accept_downloads=True)
    page.goto(url)
    wait_for_table(page)
    settle(page)
    yield page, browser
    page.context.close()


def test_page_loads_with_the_planner_comparison(browser_page):
    page, _ = browser_page
    rows = wait_for_table(page)
    expected = expected_rows()
    for label in ("One-time build cost (USD)", MONTH_1, "Weeks to production"):
        assert rows[label] == expected[label]


def test_csv_download_equals_the_cli(browser_page, tmp_path):
    page, _ = browser_page
    choose_view(page, "Export and share")
    button = page.get_by_role("button", name="Line items (CSV)")
    expect(button).to_be_visible()
    settle(page)  # not while the run that draws the button still runs
    with page.expect_download() as download:
        button.click()
    saved = tmp_path / "download.csv"
    download.value.save_as(saved)
    cli = subprocess.run([sys.executable, "-m", "planner", "estimate", str(EXAMPLE), "--format", "csv"], cwd=REPO,
                         capture_output=True, check=True)
    assert saved.read_bytes() == cli.stdout


def test_changed_input_updates_the_comparison_and_the_link_reopens_it(browser_page):
    page, browser = browser_page
    expected = expected_rows(requests=450_000)
    page.wait_for_function("() => new URL(location.href).searchParams.has('s')")
    before = page.url
    box = page.get_by_role("spinbutton", name="Requests (per month)", exact=True)
    box.fill("450000")
    box.press("Enter")
    wait_for_table(page, row_is(MONTH_1, expected[MONTH_1]))
    page.wait_for_function("before => location.href !== before", arg=before)
    token = parse_qs(urlparse(page.url).query)["s"][0]
    assert decode_scenario(token).workload.requests_per_month == 450_000

    other = new_page(browser)
    try:
        other.goto(page.url)
        rows = wait_for_table(other, row_is(MONTH_1, expected[MONTH_1]))
        assert rows["One-time build cost (USD)"] == expected["One-time build cost (USD)"]
    finally:
        other.context.close()


def test_uploaded_scenario_opens_and_a_broken_one_says_why(browser_page, tmp_path):
    page, _ = browser_page
    scenario_input = uploader(page, "Upload a scenario (YAML)")
    broken = tmp_path / "broken.yaml"
    broken.write_text("workload:\n  requests_per_month: -3\n")
    scenario_input.set_input_files(str(broken))
    expect(page.get_by_text("The uploaded scenario was not loaded")).to_be_visible()
    expect(page.get_by_text(shown("workload.requests_per_month: input should be greater than or equal to 0"))
           ).to_be_visible()
    settle(page)
    assert wait_for_table(page)[MONTH_1] == expected_rows()[MONTH_1]  # the page still shows the scenario it had

    scenario = tmp_path / "mine.yaml"
    scenario.write_text((REPO / "examples" / "json_extraction.yaml").read_text().replace(
        "name: Clinical notes to JSON at high volume", "name: Uploaded extraction plan"))
    scenario_input.set_input_files(str(scenario))
    expect(page.get_by_role("heading", name="Uploaded extraction plan")).to_be_visible()


def test_a_training_file_and_a_zip_of_documents_become_the_plans_data_inputs(browser_page, tmp_path):
    import io
    import zipfile

    page, _ = browser_page
    training = tmp_path / "sample.jsonl"
    training.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]}) + "\n"
        for i in range(40)) + "{broken\n")
    uploader(page, "Measure a training file (JSONL, up to 200 MB)").set_input_files(str(training))
    expect(page.get_by_text(shown("Training file sample.jsonl: 40 examples, 0 preference pairs, 1 problem"))
           ).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Use these numbers in the plan").click()
    expect(page.get_by_text("now come from sample.jsonl")).to_be_visible()
    # Let the rerun finish, so the page holds the new widget values before the next upload sends them back.
    settle(page)

    archive = tmp_path / "docs.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as handle:
        handle.writestr("manual.md", " word" * 1200)
        handle.writestr("../escape.txt", "x")
    archive.write_bytes(buffer.getvalue())
    uploader(page, "Measure a knowledge corpus (documents or a zip, up to 200 MB)").set_input_files(str(archive))
    expect(page.get_by_text(shown("Knowledge corpus docs.zip: 1 document, 1,200 tokens, 1 not read"))).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Use these corpus tokens in the plan").click()
    expect(page.get_by_text("The knowledge base's tokens now come from docs.zip")).to_be_visible()
    settle(page)  # the link is updated in the same run, after the notice
    # the link now carries a scenario whose data inputs came from the two files
    scenario = decode_scenario(parse_qs(urlparse(page.url).query)["s"][0])
    assert scenario.approaches.fine_tune.examples == 40
    assert scenario.approaches.rag.corpus_tokens == 1200
    assert set(scenario.measured) >= {"approaches.fine_tune.examples", "approaches.rag.corpus_tokens"}


def test_the_address_follows_the_view(browser_page):
    """The view is bound to the address's ``view`` (Streamlit's bind="query-params"): choosing one puts it
    there, the first (Charts) leaves it out, and the scenario's ``s`` stays."""
    page, _ = browser_page
    choose_view(page, "Hosting routes")
    expect(page).to_have_url(re.compile(r"[?&]view=Hosting(\+|%20)routes(&|$)"))
    settle(page)
    choose_view(page, "Charts")
    expect(page).not_to_have_url(re.compile(r"[?&]view="))
    assert "s" in parse_qs(urlparse(page.url).query)
