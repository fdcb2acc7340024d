"""The app, headless (streamlit.testing.v1.AppTest): every number on screen is the planner's."""

from __future__ import annotations

import pytest
from conftest import REPO, open_input_groups, shown
from streamlit.testing.v1 import AppTest

from planner import estimate, load_price_book, load_scenario, scenario_from_dict
from planner.outputs.export import summary_figures, summary_rows
from planner.outputs.share import encode_scenario

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
REQUESTS = "in:workload.requests_per_month"


def start(query: dict | None = None) -> AppTest:
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    open_input_groups(app)  # a closed group's inputs are not drawn; these tests reach every input
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app.run()


def ok(app: AppTest) -> AppTest:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [shown(e.value) for e in app.error]
    return app


def table_rows(app: AppTest) -> dict[str, list[str]]:
    frame = app.table[0].value
    return {label: [shown(cell) for cell in frame.loc[label]] for label in frame.index}


def cautions(app: AppTest) -> list[str]:
    """The cautions under the comparison, as shown: one box, "Cautions (n)", a list item each."""
    boxes = [e for e in app.expander if e.label.startswith("Cautions (")]
    if not boxes:
        return []
    (box,) = boxes
    items = [shown(line.removeprefix("- ")) for md in box.markdown for line in md.value.split("\n")]
    assert box.label == f"Cautions ({len(items)})"
    return items


def planner_rows(path, **changes) -> dict[str, list[str]]:
    data = load_scenario(path).model_dump(mode="json")
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    return dict(summary_rows(estimate(scenario_from_dict(data), load_price_book(REPO / "pricing"))))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_renders_the_planner_comparison(path):
    app = start()
    app.selectbox(key="example").set_value(path.name).run()
    ok(app)
    if load_scenario(path).options:  # one row per option, numbers as numbers
        planned = estimate(load_scenario(path), load_price_book(REPO / "pricing"))
        frame = app.dataframe[0].value
        assert list(frame["Option"]) == [r.label for r in planned.approaches.values()]
        for figure in summary_figures(planned)[1:]:
            assert list(frame[figure.label]) == figure.values, figure.label
        assert list(frame["Runs on"]) == planner_rows(path)["Runs on"]
    else:
        rows = table_rows(app)
        for label, values in planner_rows(path).items():
            assert rows[label] == values, label
    assert shown(app.header[0].value) == load_scenario(path).name
    # One chart at a time (cost to date first); each of the others when chosen.
    assert [chart.key for chart in app.get("plotly_chart")] == ["chart:cumulative"]
    drawn = {"Cost to date": 1, "Month by month": 1, "Cost by category": 2, "Timeline": 1, "GPU memory": 1}
    for chart in app.radio(key="charts:chart").options:
        app.radio(key="charts:chart").set_value(chart).run()
        ok(app)
        assert len(app.get("plotly_chart")) == drawn[chart], chart


def test_changing_requests_per_month_changes_monthly_costs_as_the_planner_says():
    app = ok(start())
    path = REPO / "examples" / "support_assistant.yaml"
    before = table_rows(app)["First-month running cost (USD)"]
    app.number_input(key=REQUESTS).set_value(600_000).run()
    ok(app)
    after = table_rows(app)
    expected = planner_rows(path, **{"workload.requests_per_month": 600_000})
    assert after["First-month running cost (USD)"] == expected["First-month running cost (USD)"]
    assert after["First-month running cost (USD)"] != before


def test_a_bad_input_shows_an_error_and_the_rest_still_renders():
    app = ok(start())
    app.selectbox(key="in:approaches.prompt.model").set_value("anthropic/claude-3-haiku").run()
    good = table_rows(app)
    # claude-3-haiku has no cached-input price in the tables, so a cache hit share cannot be costed.
    app.number_input(key="in:approaches.prompt.cached_prompt_share").set_value(50.0).run()
    assert not app.exception
    assert len(app.error) == 1
    assert "approaches.prompt.cached_prompt_share" in shown(app.error[0].value)
    assert "has no cached-input price" in shown(app.error[0].value)
    assert table_rows(app) == good  # the last inputs that could be estimated
    assert len(app.get("plotly_chart")) == 1  # the chart chosen, of the last good inputs


def test_a_link_reopens_its_scenario():
    path = REPO / "examples" / "json_extraction.yaml"
    scenario = load_scenario(path)
    changed = scenario.model_copy(update={"horizon_months": 7})
    app = ok(start({"s": encode_scenario(changed)}))
    assert shown(app.header[0].value) == scenario.name
    assert "7-month cost incl. one-time build (USD)" in table_rows(app)
    assert app.number_input(key="in:horizon_months").value == 7


def test_a_damaged_link_says_so_and_opens_the_default_example():
    app = start({"s": "1not-a-scenario"})
    assert not app.exception
    assert any("could not be opened" in shown(e.value) for e in app.error)
    assert shown(app.header[0].value) == load_scenario(REPO / "examples" / "support_assistant.yaml").name


def test_the_url_follows_the_inputs():
    app = ok(start())
    app.number_input(key=REQUESTS).set_value(123_000).run()
    ok(app)
    reopened = ok(start({"s": app.query_params["s"][0] if isinstance(app.query_params["s"], list)
                         else app.query_params["s"]}))
    assert reopened.number_input(key=REQUESTS).value == 123_000


def test_switching_to_self_hosted_sizes_gpus():
    app = ok(start())
    app.selectbox(key="in:approaches.fine_tune.route").set_value("self_hosted").run()
    ok(app)
    assert "llama" in table_rows(app)["Runs on"][2]
    # One chart at a time, cost to date first; GPU memory is offered once an option is self-hosted.
    assert [chart.key for chart in app.get("plotly_chart")] == ["chart:cumulative"]
    assert app.radio(key="charts:chart").options == ["Cost to date", "Month by month", "Cost by category", "Timeline",
                                                     "GPU memory"]
    app.radio(key="charts:chart").set_value("GPU memory").run()
    ok(app)
    # The fine-tune is sized (the example's hybrid is served on Together's dedicated endpoint, sized by the host).
    assert [chart.key for chart in app.get("plotly_chart")] == ["chart:gpu:fine_tune"]
    # Its GPUs were chosen, not taken from the top of a list (issue 25: an 8 x H100 instance): the view says which,
    # what bound each choice, and the runner-up.
    captions = " ".join(caption.value for caption in app.caption)
    for said in ("training instance chosen automatically", "serving instance chosen automatically", "bound by",
                 "runner\\-up"):
        assert said in captions, said
    assert "p5.48xlarge" not in table_rows(app)["Runs on"][2]
    # Back to the API route: no option is sized, and the chart falls back to the first.
    app.selectbox(key="in:approaches.fine_tune.route").set_value("api").run()
    ok(app)
    assert app.radio(key="charts:chart").options == ["Cost to date", "Month by month", "Cost by category", "Timeline"]
    assert [chart.key for chart in app.get("plotly_chart")] == ["chart:cumulative"]


def test_which_approach_fits_recommends_with_reasons():
    app = ok(start())
    app.radio(key="view").set_value("Which approach fits?").run()
    app.radio(key="fit:goal").set_value("behaviour").run()
    app.number_input(key="fit:examples").set_value(800).run()
    app.checkbox(key="fit:exhausted").check().run()
    ok(app)
    assert "Recommended: **Fine-tuning**" in shown(app.success[0].value)


def test_switching_the_report_to_gbp_converts_every_total():
    app = ok(start())
    app.selectbox(key="in:currency").set_value("GBP").run()
    ok(app)
    rows = table_rows(app)
    expected = planner_rows(REPO / "examples" / "support_assistant.yaml", currency="GBP")
    assert rows["First-month running cost (GBP)"] == expected["First-month running cost (GBP)"]
    assert rows["One-time build cost (GBP)"] == expected["One-time build cost (GBP)"]


def test_broken_price_tables_give_messages_not_tracebacks(tmp_path, monkeypatch):
    import shutil

    prices = tmp_path / "pricing"
    shutil.copytree(REPO / "pricing", prices)
    (prices / "assumptions.yaml").write_text("chunk_tokens: {value: -1}\n")
    (prices / "openai.yaml").write_text("provider: openai\n")
    monkeypatch.setenv("LLM_PLANNER_PRICES", str(prices))
    app = start()
    assert not app.exception, [e.value for e in app.exception]
    warnings = " ".join(shown(w.value) for w in app.warning)
    assert "Price table left out" in warnings and "openai.yaml" in warnings
    assert any("assumptions.yaml" in shown(e.value) for e in app.error)


def test_ranges_view_shows_percentiles_tornado_and_breakeven():
    app = ok(start())  # the support-assistant example carries ranges
    app.radio(key="view").set_value("Ranges and break-even").run()
    ok(app)
    from planner.analysis.ranges import simulate

    scenario = load_scenario(REPO / "examples" / "support_assistant.yaml")
    spread = simulate(scenario, load_price_book(REPO / "pricing"))
    table = app.table[1].value.rename(columns=shown)  # column heads are option names, escaped for Markdown
    p = spread["fine_tune"]["horizon_cost"]
    assert table.loc["Horizon cost incl. one-time build (USD)", "Fine-tuning"] == (
        f"{p.p10:,.0f} / {p.p50:,.0f} / {p.p90:,.0f}")
    assert len(app.get("plotly_chart")) == 5  # four tornado charts and the volume chart
    assert any("requests a month" in shown(m.value) for m in app.markdown)


def test_adding_a_range_in_the_app_changes_the_spread():
    app = ok(start())
    app.radio(key="view").set_value("Ranges and break-even").run()
    before = app.table[1].value.loc["First-month running cost (USD)", "Prompt engineering"]
    app.selectbox(key="range:path").set_value("workload.output_tokens").run()
    app.number_input(key="range:low").set_value(100.0).run()
    app.number_input(key="range:high").set_value(2000.0).run()
    app.button(key="range:add").click().run()
    ok(app)
    assert app.table[1].value.loc["First-month running cost (USD)", "Prompt engineering"] != before
    token = app.query_params["s"]
    token = token[0] if isinstance(token, list) else token
    from planner.outputs.share import decode_scenario

    assert decode_scenario(token).ranges["workload.output_tokens"].high == 2000  # the link holds the range


def test_export_offers_the_budget_pack():
    app = ok(start())
    app.radio(key="view").set_value("Export and share").run()
    ok(app)
    labels = [button.label for button in app.download_button]
    assert any(label.startswith("Budget pack (Excel") for label in labels)


def test_price_grid_cells_left_empty_reach_the_planner_as_none_whatever_pandas_marks_them_with():
    import numpy as np
    import pandas as pd

    from ui.price_editor import grid_records

    frame = pd.DataFrame({"id": pd.array(["a", pd.NA], dtype="string"), "price": [1.5, np.nan],
                          "note": ["x", None]})
    assert grid_records(frame) == [{"id": "a", "price": 1.5, "note": "x"},
                                   {"id": None, "price": None, "note": None}]


def test_defaults_stay_defaults_so_the_app_and_the_cli_give_the_same_ranges():
    from planner.analysis.ranges import simulate
    from planner.outputs.share import decode_scenario

    book = load_price_book(REPO / "pricing")
    data = load_scenario(REPO / "examples" / "support_assistant.yaml").model_dump(mode="json", exclude_defaults=True)
    data["project"].pop("iterations")  # left to the assumptions table, as is retrain_every_months
    data["ranges"] = {"assumptions.retrain_every_months": {"low": 1, "high": 12}}
    from_file = scenario_from_dict(data)
    app = ok(start({"s": encode_scenario(from_file)}))
    app.radio(key="view").set_value("Ranges and break-even").run()
    ok(app)
    token = app.query_params["s"]
    in_app = decode_scenario(token[0] if isinstance(token, list) else token)
    assert in_app.project.iterations is None and in_app.approaches.fine_tune.retrain_every_months is None
    expected = simulate(from_file, book)["fine_tune"]["horizon_cost"]
    assert expected.p10 < expected.p90  # the range moves the cost (it moved it by 0 in the app before)
    shown_cell = app.table[1].value.rename(columns=shown).loc["Horizon cost incl. one-time build (USD)", "Fine-tuning"]
    assert shown_cell == f"{expected.p10:,.0f} / {expected.p50:,.0f} / {expected.p90:,.0f}"


def test_the_stale_price_setting_outlives_its_view():
    app = ok(start())
    app.radio(key="view").set_value("Price tables").run()
    app.number_input(key="prices:max_age").set_value(1).run()
    app.radio(key="view").set_value("Charts").run()
    ok(app)
    warnings = cautions(app)
    assert any("older than 1 day:" in w for w in warnings), warnings


def test_which_approach_fits_starts_from_the_scenarios_examples():
    app = ok(start())  # the support-assistant example budgets its fine-tune's examples
    app.radio(key="view").set_value("Which approach fits?").run()
    ok(app)
    examples = load_scenario(REPO / "examples" / "support_assistant.yaml").approaches.fine_tune.examples
    assert app.number_input(key="fit:examples").value == examples
    assert not any("only 0 good examples" in shown(w.value) for w in app.warning)
    app.checkbox(key="fit:in_house").check().run()
    assert not app.exception
    # Every approach of this example runs on a hosted API: none may be recommended with in-house data.
    assert [shown(s.value) for s in app.success] == []
    assert [shown(e.value) for e in app.error] == ["No approach costed here meets every constraint above."]


def test_a_link_reopens_the_view_and_the_answers_and_they_outlive_other_views():
    from planner.analysis.recommend import DecisionAnswers
    from planner.outputs.share import decode_answers, encode_answers

    answers = DecisionAnswers(goal="behaviour", good_examples=800, prompting_exhausted=True)
    app = ok(start({"view": "Which approach fits?", "fit": encode_answers(answers)}))
    assert app.radio(key="view").value == "Which approach fits?"
    assert "Recommended: **Fine-tuning**" in shown(app.success[0].value)
    # The view is bound to ?view= by Streamlit (bind="query-params"), which AppTest does not show; the
    # browser test test_the_address_follows_the_view checks the address.
    app.radio(key="view").set_value("Charts").run()
    app.radio(key="view").set_value("Which approach fits?").run()
    ok(app)
    assert "Recommended: **Fine-tuning**" in shown(app.success[0].value)
    fit = app.query_params["fit"]
    assert decode_answers(fit[0] if isinstance(fit, list) else fit) == answers


def test_why_these_numbers_grids_hold_words_and_numbers():
    import re

    snake = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
    app = ok(start({"s": encode_scenario(load_scenario(REPO / "examples" / "brand_voice_self_hosted.yaml"))}))
    app.radio(key="view").set_value("Why these numbers?").run()
    ok(app)
    choice = app.selectbox(key="why:option")
    assert choice.options == ["Prompt engineering", "RAG", "Fine-tuning", "Hybrid (fine-tune + RAG)"]
    frames = []
    for index in range(len(choice.options)):  # one option's lines and phases at a time, then the assumptions
        app.selectbox(key="why:option").select_index(index).run()
        ok(app)
        assert len(app.dataframe) == 3
        frames += [frame.value for frame in app.dataframe]
    for frame in frames:
        for column in frame.columns:
            if column in ("Source",):  # citations may name a published file, e.g. gpu_prices.csv
                continue
            if "amount" in column:
                assert all(isinstance(v, float) for v in frame[column])  # numbers, formatted by the grid
            for value in frame[column]:
                assert not (isinstance(value, str) and snake.search(value)), (column, value)


def test_price_tables_show_the_figures_before_their_sources():
    app = ok(start())
    app.radio(key="view").set_value("Price tables").run()
    ok(app)
    provider_table = app.dataframe[0].value
    columns = list(provider_table.columns)
    assert columns[:3] == ["offering", "section", "input per million tokens"]  # the price is on screen at 1024 px
    assert columns.index("source") > columns.index("output per million tokens")
    fx = next(f.value for f in app.dataframe if "currency" in f.value.columns and "usd per unit" in f.value.columns)
    assert list(fx.columns)[:2] == ["currency", "usd per unit"]


def test_a_retired_model_is_marked_in_the_picker_and_warned_about():
    app = ok(start())
    picker = app.selectbox(key="in:approaches.prompt.model")
    # gpt-4.1-nano was retired on 2026-10-23, gpt-4.1-mini retires on 2027-01-14 (LiteLLM's map); gpt-5.4-mini
    # has no announced date.
    assert "openai/gpt-4.1-nano (retired 2026-10-23)" in picker.options
    assert "openai/gpt-4.1-mini (retires 2027-01-14)" in picker.options
    assert "openai/gpt-5.4-mini" in picker.options
    picker.set_value("openai/gpt-4.1-nano").run()
    assert not app.exception
    warnings = cautions(app)
    assert any(w.startswith("Model retirement: Prompt engineering: openai/gpt-4.1-nano was retired on 2026-10-23")
               for w in warnings), warnings
    assert "(model retiring)" in table_rows(app)["Runs on"][0]


def test_example_sources_in_the_sidebar_set_the_mix_and_the_rest_is_written():
    app = ok(start())
    app.number_input(key="in:approaches.fine_tune.example_sources.records").set_value(60.0).run()
    app.number_input(key="in:approaches.fine_tune.example_sources.synthetic").set_value(30.0).run()
    ok(app)
    path = REPO / "examples" / "support_assistant.yaml"
    expected = planner_rows(path, **{"approaches.fine_tune.example_sources": {
        "written": 0.1, "records": 0.6, "synthetic": 0.3}})
    assert table_rows(app)["One-time build cost (USD)"] == expected["One-time build cost (USD)"]
    # More than all the examples: the planner's message, and the last good comparison stays.
    app.number_input(key="in:approaches.fine_tune.example_sources.records").set_value(90.0).run()
    assert not app.exception
    assert len(app.error) == 1 and "the shares must sum to 1" in shown(app.error[0].value)


def test_after_launch_inputs_reach_the_estimate():
    app = ok(start())
    picker = app.selectbox(key="in:operations.personal_data")
    assert picker.options == ["No", "Yes"]
    picker.set_value(True).run()
    app.number_input(key="in:operations.online_eval_share").set_value(5.0).run()
    ok(app)
    path = REPO / "examples" / "support_assistant.yaml"
    expected = planner_rows(path, **{"operations.personal_data": True, "operations.online_eval_share": 0.05})
    rows = table_rows(app)
    for label in ("One-time build cost (USD)", "First-month running cost (USD)"):
        assert rows[label] == expected[label], label
    assert rows["One-time build cost (USD)"] != planner_rows(path)["One-time build cost (USD)"]  # the privacy review


def test_hosting_routes_view_compares_the_fine_tune_by_route():
    import datetime

    from planner.analysis.routes import route_options

    app = start()
    app.selectbox(key="example").set_value("brand_voice_self_hosted.yaml").run()
    app.radio(key="view").set_value("Hosting routes").run()
    ok(app)
    frame = app.dataframe[0].value
    path = REPO / "examples" / "brand_voice_self_hosted.yaml"
    options = route_options(load_scenario(path), load_price_book(REPO / "pricing"), datetime.date.today())
    assert list(frame["Route"]) == [o.label for o in options if o.result is not None]
    routes = list(frame["Route"])
    assert "llama-3.1-8b on own GPUs, business hours only" in routes
    assert any(r.startswith("llama-3.1-8b LoRA by Together AI") for r in routes)
    assert "Amazon Web Services: nova-micro fine-tuned" in routes
    assert list(frame["Can be bought for its plan"]) == [
        "yes" if o.buyable else "no: " + "; ".join(o.result.blockers) for o in options if o.result is not None]
    column = "Per 1,000 requests, month 1 (GBP)"
    for option, value in zip([o for o in options if o.result is not None], frame[column], strict=True):
        assert value == pytest.approx(option.per_thousand_requests(20_000))


def test_a_measured_training_file_goes_into_the_plan_in_one_click():
    import json as _json

    from planner.measure.training_file import measure_training_file

    lines = [(_json.dumps({"messages": [{"role": "user", "content": f"Question {i}?"},
                                        {"role": "assistant", "content": f"Answer {i}."}]}) + "\n").encode()
             for i in range(30)] + [b"{broken\n"]
    app = ok(start())
    app.session_state["data:training_report"] = measure_training_file(lines, "sample.jsonl")
    app.run()
    assert not app.exception
    assert any(shown(e.label).startswith("Training file sample.jsonl: 30 examples, 0 preference pairs, 1 problem")
               for e in app.expander)
    app.button(key="use_training_file").click().run()
    assert not app.exception
    assert app.number_input(key="in:approaches.fine_tune.examples").value == 30
    assert any("now come from sample.jsonl" in shown(s.value) for s in app.success)


def test_a_measured_corpus_goes_into_the_plan_in_one_click():
    from planner.measure.corpus import measure_corpus

    report = measure_corpus([("a.md", (" word" * 1200).encode()), ("b.exe", b"MZ")], "docs.zip", 500, 100)
    app = ok(start())
    app.session_state["data:corpus_report"] = report
    app.run()
    assert any(shown(e.label).startswith("Knowledge corpus docs.zip: 1 document, 1,200 tokens, 1 not read")
               for e in app.expander)
    app.button(key="use_corpus").click().run()
    assert not app.exception
    # 1,200 tokens in chunks of 500 overlapping by 100: 3 chunks, 1,200 + 2 x 100 = 1,400 tokens embedded
    assert app.number_input(key="in:approaches.rag.corpus_tokens").value == 1_400


def test_a_closed_group_draws_no_inputs_and_keeps_what_was_typed_in_it():
    from planner.outputs.share import decode_scenario

    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()  # as a visitor finds it
    prompt = "in:approaches.prompt.system_prompt_tokens"
    assert REQUESTS in [w.key for w in app.number_input]  # Workload is open
    assert prompt not in [w.key for w in app.number_input]
    app.session_state["group:Prompt engineering"] = True
    app.run()
    app.number_input(key=prompt).set_value(3210).run()
    app.session_state["group:Prompt engineering"] = False
    app.run()
    assert prompt not in [w.key for w in app.number_input]
    app.number_input(key=REQUESTS).set_value(123_000).run()
    ok(app)
    token = app.query_params["s"]
    reopened = decode_scenario(token[0] if isinstance(token, list) else token)
    assert (reopened.approaches.prompt.system_prompt_tokens, reopened.workload.requests_per_month) == (3210, 123_000)
