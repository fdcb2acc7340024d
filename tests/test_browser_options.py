"""Six options built, compared, exported and reopened in a real browser, the way a new user builds them.

From the default page (the support assistant, four approaches), with "Edit the options" on, the test
duplicates "Fine-tuning", renames the copy, chooses it in "Settings of" and sets its own Route to
"Self-hosted (own GPUs)": the route brings an open model (the planner's ``route_settings``) with its GPUs
chosen automatically, and the test then picks the training and serving GPUs. It duplicates "RAG", renames
the copy and gives it another model in its own settings. The prompt, the API fine-tune and the hybrid stay
as they are, and so does the sidebar. It then proves that

- each edit reaches the link's scenario as the option's own settings, and nothing else moves (the sidebar's
  fine-tuning block stays on the provider's API);
- the comparison grid names the six options, and each one's one-time and first-month cost is the
  planner's for the scenario decoded from the page's link (planner.estimate on the bundled tables);
- the line-items CSV has an "Option" column with the six names, and each option's one-time amounts
  add up to the planner's one-time cost (to the cent per line);
- the budget pack holds one "Monthly - ..." sheet per option;
- the page's link, opened in a new browser context, compares the same six options at the same costs.

(Adding a route from the Hosting routes view with "Add as an option" is covered headless, in
tests/test_app_options.py.)

The comparison is an st.dataframe: its grid draws on a canvas and mirrors its cells in a table for screen
readers, which has no box on screen (found with ``include_hidden``: ``hidden_role``, tests/served_app.py).
That table holds the raw numbers (21346.589742307697), not the two decimals drawn, so they are compared to
the cent. Every wait is for a state of the page (tests/served_app.py); an edit's outcome is the new link.
"""

from __future__ import annotations

import csv
import datetime
import re
from urllib.parse import parse_qs, urlparse

import openpyxl
from playwright.sync_api import expect, sync_playwright
from served_app import (
    REPO,
    choose_view,
    hidden_role,
    launch,
    new_page,
    ran_and_settled,
    served_app,
    settle,
    shown,
    wait_for_table,
    watch_for_a_run,
)

from planner import Scenario, estimate, load_price_book
from planner.costs.estimator import Estimate
from planner.inputs.option_edits import route_settings
from planner.outputs.share import decode_scenario
from planner.outputs.workbook import monthly_sheet_names

DEFAULT = ["Prompt engineering", "RAG", "Fine-tuning", "Hybrid (fine-tune + RAG)"]
HYBRID = DEFAULT[3]
RAG_COPY, RAG_MODEL = "RAG on Claude Haiku 4.5", "anthropic/claude-haiku-4.5"
SELF_HOSTED_NAME = "Llama 3.1 8B LoRA on own GPUs"
SELF_HOSTED_WORDS = "Self-hosted (own GPUs)"  # ui.inputs.OPTION_WORDS["self_hosted"]
OPEN_MODEL = "llama-3.1-8b"
TRAINING_GPU, SERVING_GPU = "runpod/h100-sxm-secure", "runpod/a100-80gb-secure"
SIX = ["Prompt engineering", "RAG", RAG_COPY, "Fine-tuning", SELF_HOSTED_NAME, HYBRID]
ONE_TIME, MONTH_1 = "Build", "Month 1"  # the grid's short headings (ui/views.options_frame)
CENT = 0.005


def link_scenario(page) -> Scenario:
    return decode_scenario(parse_qs(urlparse(page.url).query)["s"][0])


def link_changes(page, before: str) -> Scenario:
    """Wait for the outcome of an edit (every edit changes the scenario in the link), then for the app to be
    idle; the link's scenario."""
    page.wait_for_function("before => location.href !== before", arg=before)
    settle(page)
    return link_scenario(page)


def summary_is(page, names: list[str], count: str) -> None:
    """The one-line summary above the comparison names ``names``, in order."""
    line = page.get_by_role("main").get_by_role("paragraph").filter(has_text=re.compile(r"^Options compared"))
    text = shown(f"Options compared ({count}): " + " · ".join(names)).pattern
    expect(line).to_have_text(re.compile(f"^{text}$"))


def option_row(page, number: int):
    """The row of option ``number`` (1-based) in the options panel: its name, Shown, Duplicate and Remove."""
    row = page.get_by_role("main").get_by_test_id("stHorizontalBlock").filter(
        has=page.get_by_role("textbox", name=f"Option {number}", exact=True))
    expect(row).to_have_count(1)
    return row


def duplicate(page, number: int, name: str) -> Scenario:
    settle(page)
    before = page.url
    row = option_row(page, number)
    expect(row.get_by_role("textbox")).to_have_value(name)
    row.get_by_role("button", name="Duplicate", exact=True).click()
    return link_changes(page, before)


def rename(page, number: int, old: str, new: str) -> Scenario:
    settle(page)
    before = page.url
    box = page.get_by_role("main").get_by_role("textbox", name=f"Option {number}", exact=True)
    expect(box).to_have_value(old)
    box.fill(new)
    box.press("Enter")
    scenario = link_changes(page, before)
    expect(page.get_by_role("main").get_by_role("textbox", name=f"Option {number}", exact=True)).to_have_value(new)
    return scenario


def pick(page, scope, label: str, choice: str, shown_as: str | None = None) -> None:
    """Choose another value, ``choice``, in the select ``label`` of ``scope`` (the main area or the sidebar):
    typed to narrow the list, then clicked; returns once the run the choice starts has ended, and the select
    shows it. (While that run draws, a select whose key it renews is on the page twice, the old one stale;
    the run's end removes it.)"""
    watch_for_a_run(page)
    box = scope.get_by_role("combobox", name=label, exact=True)
    # Centred first: at the foot of the window the list opens below it, out of sight, and draws no options.
    box.evaluate("element => element.scrollIntoView({block: 'center'})")
    box.click()
    box.fill(choice)
    page.get_by_role("option", name=shown_as or choice, exact=True).click()
    ran_and_settled(page)
    expect(box).to_have_value(shown_as or choice)


def choose(page, scope, label: str, choice: str, shown_as: str | None = None) -> Scenario:
    """Set the input ``label`` of ``scope`` to ``choice``; the link's scenario once it holds the change."""
    settle(page)
    before = page.url
    pick(page, scope, label, choice, shown_as)
    return link_changes(page, before)


def settings_of(page, name: str, kind: str, drawn: str) -> None:
    """Show the settings of option ``name`` (another option than the one shown: the choice reruns the app, and
    the link does not change); ``drawn`` labels an input options of its kind have."""
    pick(page, page.get_by_role("main"), "Settings of", name, f"{name} ({kind})")
    expect(page.get_by_role("main").get_by_role("spinbutton", name=drawn, exact=True).or_(
        page.get_by_role("main").get_by_role("combobox", name=drawn, exact=True))).to_be_visible()


def column(grid, heading: str) -> str:
    header = hidden_role(grid, "columnheader", heading)
    expect(header).to_have_count(1)
    return header.get_attribute("aria-colindex")


def compared(page, names: list[str]) -> dict[str, tuple[float, float]]:
    """Wait until the comparison grid lists ``names``, in order; each one's (one-time, first-month) cost."""
    grid = hidden_role(page, "grid").filter(has=hidden_role(page, "columnheader", "Option"))
    expect(grid).to_have_count(1)
    cells = grid.locator(f'[role="gridcell"][aria-colindex="{column(grid, "Option")}"]')
    expect(cells).to_have_text(names)
    one_time, month_1 = column(grid, ONE_TIME), column(grid, MONTH_1)
    costs = {}
    for name in names:
        row = hidden_role(grid, "row").filter(has=hidden_role(page, "gridcell", name))
        expect(row).to_have_count(1)
        costs[name] = tuple(float(row.locator(f'[role="gridcell"][aria-colindex="{index}"]').inner_text())
                            for index in (one_time, month_1))
    return costs


def assert_planners_costs(costs: dict[str, tuple[float, float]], planned: Estimate) -> None:
    expected = {r.label: (r.one_time_cost, r.monthly_cost) for r in planned.approaches.values()}
    assert list(costs) == list(expected)
    for name, (one_time, month_1) in costs.items():
        assert abs(one_time - expected[name][0]) < CENT, (name, one_time, expected[name][0])
        assert abs(month_1 - expected[name][1]) < CENT, (name, month_1, expected[name][1])


def download(page, button_name: str | re.Pattern[str], path):
    """Click the download button ``button_name``, save the file at ``path``, and wait for the rerun the click
    asks for to end (the file can come before that rerun has begun)."""
    button = page.get_by_role("button", name=button_name)
    expect(button).to_be_visible()
    watch_for_a_run(page)
    with page.expect_download() as started:
        button.click()
    started.value.save_as(path)
    ran_and_settled(page)
    return path


def test_six_options_built_compared_exported_and_reopened(tmp_path):
    book = load_price_book(REPO / "pricing")
    with served_app() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = new_page(browser, accept_downloads=True)
        page.goto(url)
        wait_for_table(page)  # four approaches: the table of st.table
        page.wait_for_function("() => new URL(location.href).searchParams.has('s')")
        summary_is(page, DEFAULT, "4, the four approaches")
        settle(page)
        page.get_by_text("Edit the options", exact=True).click()  # the switch's label takes the click
        expect(page.get_by_role("switch", name="Edit the options")).to_be_checked()
        main = page.get_by_role("main")
        expect(main.get_by_role("textbox", name="Option 4", exact=True)).to_have_value(HYBRID)

        # Two fine-tuning routes: a copy of "Fine-tuning", renamed, moved to the self-hosted route in its own
        # settings. The route brings an open model, its GPUs left automatic; then the GPUs are picked.
        scenario = duplicate(page, 3, "Fine-tuning")
        summary_is(page, ["Prompt engineering", "RAG", "Fine-tuning", "Fine-tuning (copy)", HYBRID], "5")
        block = scenario.approaches.fine_tune
        assert block.route == "api"
        rename(page, 4, "Fine-tuning (copy)", SELF_HOSTED_NAME)
        settings_of(page, SELF_HOSTED_NAME, "Fine-tuning", "Route")
        expect(main.get_by_role("combobox", name="Route", exact=True)).to_have_value("Provider's API")
        scenario = choose(page, main, "Route", "Self-hosted", SELF_HOSTED_WORDS)
        brought = route_settings(book, "self_hosted", block.written(), datetime.date.today())
        assert brought == {"route": "self_hosted", "model": OPEN_MODEL}  # GPUs left to the estimate
        assert scenario.options[3].settings == brought
        expect(main.get_by_role("combobox", name="Route", exact=True)).to_have_value(SELF_HOSTED_WORDS)
        expect(main.get_by_role("combobox", name="Model to fine-tune (self-hosted)", exact=True)
               ).to_have_value(OPEN_MODEL)
        expect(main.get_by_role("combobox", name="Training GPUs (self-hosted)", exact=True)
               ).to_have_value("Automatic (cheapest)")  # ui.inputs.OPTION_WORDS["automatic"]
        choose(page, main, "Training GPUs (self-hosted)", TRAINING_GPU)
        scenario = choose(page, main, "Serving GPUs (self-hosted)", SERVING_GPU)
        assert scenario.options[3].settings == {"route": "self_hosted", "model": OPEN_MODEL,
                                                "training_gpu": TRAINING_GPU, "serving_gpu": SERVING_GPU}

        # Two RAG models: a copy of "RAG", renamed, on another model in its own settings.
        duplicate(page, 2, "RAG")
        summary_is(page, ["Prompt engineering", "RAG", "RAG (copy)", "Fine-tuning", SELF_HOSTED_NAME, HYBRID], "6")
        rename(page, 3, "RAG (copy)", RAG_COPY)
        settings_of(page, RAG_COPY, "RAG", "Retrieved context (tokens per request)")
        scenario = choose(page, main, "Model", RAG_MODEL)
        summary_is(page, SIX, "6")
        assert [o.name for o in scenario.options] == SIX
        assert [o.approach for o in scenario.options] == ["prompt", "rag", "rag", "fine_tune", "fine_tune", "hybrid"]
        assert scenario.options[2].settings == {"model": RAG_MODEL}
        assert scenario.options[4].settings["route"] == "self_hosted"
        assert not any(scenario.options[i].settings for i in (0, 1, 3, 5))
        assert scenario.approaches.fine_tune == block  # the sidebar's block (the API route) is untouched

        # Compare: the grid's six rows are the planner's, for the scenario in the link.
        planned = estimate(scenario, book)
        assert [r.label for r in planned.approaches.values()] == SIX
        costs = compared(page, SIX)
        assert_planners_costs(costs, planned)

        # Export: the line items and the budget pack.
        choose_view(page, "Export and share")
        lines = download(page, "Line items (CSV)", tmp_path / "line-items.csv")
        with lines.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert list(dict.fromkeys(row["Option"] for row in rows)) == SIX
        for result in planned.approaches.values():
            amounts = [float(row["One-time amount (USD)"]) for row in rows if row["Option"] == result.label]
            assert abs(sum(amounts) - result.one_time_cost) <= CENT * len(amounts) + 1e-9, result.label
        pack = download(page, re.compile(r"^Budget pack \(Excel: "), tmp_path / "budget-pack.xlsx")
        workbook = openpyxl.load_workbook(pack, read_only=True)
        monthly = [name for name in workbook.sheetnames if name.startswith("Monthly - ")]
        workbook.close()
        assert monthly == list(monthly_sheet_names(planned).values())
        assert len(monthly) == len(SIX)

        # Reopen: the page's link in a new context (a new session) compares the same options at the same costs.
        link = page.url
        assert link_scenario(page) == scenario
        other = new_page(browser)
        other.goto(link)
        summary_is(other, SIX, "6")
        assert compared(other, SIX) == costs
        other.context.close()
        browser.close()


# Labels of buttons and checkboxes in the main area cut short: an element drawn with an ellipsis whose text
# is wider than its box (Streamlit wraps a button's label in such an element).
CUT_LABELS_JS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stButton"] *, [data-testid="stMain"] [data-testid="stCheckbox"] *')]
  .filter(e => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent)"""


def test_the_option_rows_hold_their_controls_whole_at_1024_px():
    with served_app() as url, sync_playwright() as playwright:
        browser = launch(playwright)
        page = new_page(browser, width=1024, height=900)
        page.goto(url)
        wait_for_table(page)
        settle(page)
        page.get_by_text("Edit the options", exact=True).click()
        expect(page.get_by_role("button", name="Duplicate").first).to_be_visible()
        settle(page)
        assert page.get_by_role("button", name="Remove").count() == 4
        assert page.evaluate(CUT_LABELS_JS) == []
        browser.close()
