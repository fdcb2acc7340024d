"""Options in the app (headless, AppTest): add, duplicate, rename, remove, hide, set an option's own settings,
add a hosting route as an option, and reopen the lot from the link; every figure is the planner's."""

from __future__ import annotations

import re
from typing import Any

from conftest import REPO, shown
from streamlit.testing.v1 import AppTest
from test_app import ok, start

from planner import estimate, load_price_book, load_scenario
from planner.outputs.share import decode_scenario, encode_scenario

SIX = REPO / "examples" / "support_six_options.yaml"


def widget(app: AppTest, kind: str, index: int, name: str) -> Any:
    """Option ``index``'s widget ``name`` (its key carries a generation number that changes)."""
    pattern = re.compile(rf"option:\d+:{index}:{re.escape(name)}$")
    found = [w for w in app.get(kind) if w.key and pattern.match(w.key)]
    assert len(found) == 1, [w.key for w in app.get(kind)]
    return found[0]


def editing(app: AppTest) -> AppTest:
    """The app with "Edit the options" on (the editing widgets are drawn only then)."""
    return ok(app.toggle(key="options:editing").set_value(True).run())


def compared(app: AppTest) -> list[str]:
    """The options in the comparison, top to bottom."""
    return list(app.dataframe[0].value["Option"])


def link_scenario(app: AppTest):
    return decode_scenario(app.query_params["s"][0] if isinstance(app.query_params["s"], list)
                           else app.query_params["s"])


def test_the_six_options_example_compares_six_options_as_the_planner_does():
    app = ok(start({"s": encode_scenario(load_scenario(SIX))}))
    planned = estimate(load_scenario(SIX), load_price_book(REPO / "pricing"))
    assert compared(app) == [r.label for r in planned.approaches.values()]
    summary = next(shown(m.value) for m in app.markdown if m.value.startswith("**Options compared"))
    assert summary == "**Options compared (6):** " + " · ".join(r.label for r in planned.approaches.values())
    assert not [w for w in app.text_input if w.key and w.key.startswith("option:")]  # no editing widgets drawn


def test_adding_an_option_to_four_approaches_makes_them_options_and_adds_it():
    app = editing(ok(start()))
    assert not app.dataframe or "Option" not in app.dataframe[0].value  # four approaches: the old table
    app.selectbox(key=next(w.key for w in app.selectbox if w.key.endswith(":-1:kind"))).set_value("rag")
    app.text_input(key=next(w.key for w in app.text_input if w.key.endswith(":-1:name"))).input("RAG on Claude")
    next(b for b in app.button if b.key and b.key.endswith(":-1:add")).click().run()
    ok(app)
    assert compared(app) == ["Prompt engineering", "RAG", "Fine-tuning", "Hybrid (fine-tune + RAG)", "RAG on Claude"]
    assert [o.name for o in link_scenario(app).options][-1] == "RAG on Claude"


def test_an_options_own_model_changes_only_that_option():
    app = editing(start({"s": encode_scenario(load_scenario(SIX))}))
    before = app.dataframe[0].value.set_index("Option")
    # Option 3 is "RAG on GPT-5.4 mini"; give it Claude Sonnet 4.6 for itself.
    app.selectbox(key="options:chosen").set_value("rag_on_gpt_5_4_mini").run()
    widget(app, "selectbox", 2, "model").set_value("anthropic/claude-sonnet-4.6").run()
    ok(app)
    after = app.dataframe[0].value.set_index("Option")
    assert after.loc["RAG on GPT-5.4 mini", "Runs on"] == "anthropic/claude-sonnet-4.6"
    changed = [name for name in after.index if not after.loc[name].equals(before.loc[name])]
    assert changed == ["RAG on GPT-5.4 mini"]
    assert link_scenario(app).options[2].settings == {"model": "anthropic/claude-sonnet-4.6"}


def test_duplicate_rename_hide_and_remove():
    app = editing(start({"s": encode_scenario(load_scenario(SIX))}))
    widget(app, "button", 4, "copy").click().run()  # "Prompt only"
    ok(app)
    assert compared(app)[4:6] == ["Prompt only", "Prompt only (copy)"]
    widget(app, "text_input", 5, "name").input("Prompt, longer system prompt").run()
    ok(app)
    assert compared(app)[5] == "Prompt, longer system prompt"
    widget(app, "checkbox", 0, "shown").uncheck().run()
    ok(app)
    assert "Fine-tune Nova Micro on Bedrock" not in compared(app)
    assert link_scenario(app).options[0].shown is False  # hidden, still in the plan and its exports
    widget(app, "button", 1, "remove").click().run()
    ok(app)
    assert "Llama 3.1 8B LoRA on own GPUs" not in [o.name for o in link_scenario(app).options]


def test_a_name_that_clashes_is_refused_and_the_last_good_options_stay():
    app = editing(start({"s": encode_scenario(load_scenario(SIX))}))
    widget(app, "text_input", 1, "name").input("fine-tune NOVA micro on bedrock").run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    assert any("That change was not made" in e and "reads as the same name as option 1" in e for e in errors), errors
    assert compared(app)[1] == "Llama 3.1 8B LoRA on own GPUs"
    assert widget(app, "text_input", 1, "name").value == "Llama 3.1 8B LoRA on own GPUs"


def test_a_hosting_route_becomes_an_option_in_one_click():
    app = ok(start({"s": encode_scenario(load_scenario(SIX))}))
    app.radio(key="view").set_value("Hosting routes").run()
    ok(app)
    picker = app.selectbox(key="routes:choice")
    label = picker.options[-1]
    picker.set_value(label).run()
    app.button(key="routes:add").click().run()
    ok(app)
    assert compared(app)[-1] == label
    option = link_scenario(app).options[-1]
    assert (option.name, option.approach) == (label, "fine_tune")


def test_an_option_moves_to_another_route_with_what_that_route_needs():
    """Duplicating the API fine-tune and choosing Self-hosted for the copy is accepted: the route brings an
    open model, and the estimate chooses its GPU instances (the visitor can then change any of them)."""
    app = editing(start())
    widget(app, "button", 2, "copy").click().run()  # "Fine-tuning" -> "Fine-tuning (copy)" at 3
    ok(app)
    app.selectbox(key="options:chosen").set_value("fine_tuning_copy").run()
    widget(app, "selectbox", 3, "route").set_value("self_hosted").run()
    ok(app)
    settings = link_scenario(app).options[3].settings
    assert settings["route"] == "self_hosted" and settings["model"] == "llama-3.1-8b"
    assert "training_gpu" not in settings  # left to the estimate: the cheapest instance that fits
    runs_on = app.dataframe[0].value.set_index("Option").loc["Fine-tuning (copy)", "Runs on"]
    assert runs_on.startswith("llama-3.1-8b (lora) on ")
    # And back to a provider's API: a fine-tunable model comes with it, and the estimate still runs.
    widget(app, "selectbox", 3, "route").set_value("api").run()
    ok(app)
    assert link_scenario(app).options[3].settings.get("route", "api") == "api"


def test_the_settings_shown_stay_with_their_option_when_others_move():
    """Duplicating an option above the one whose settings are open moves it down a place; its settings stay
    on screen (they were once taken by place, and showed its neighbour's). Renaming it keeps them too."""
    app = editing(start())
    app.selectbox(key="options:chosen").set_value("hybrid_fine_tune_rag").run()
    widget(app, "button", 1, "copy").click().run()  # "RAG (copy)" goes in at 2; the hybrid moves from 3 to 4
    ok(app)
    assert app.selectbox(key="options:chosen").value == "hybrid_fine_tune_rag"
    assert widget(app, "selectbox", 4, "vector_db")  # the hybrid's own settings, at its new place
    widget(app, "text_input", 4, "name").input("Tuned + RAG").run()
    ok(app)
    assert app.selectbox(key="options:chosen").value == "tuned_rag"


def test_an_option_name_holding_markdown_is_shown_as_text():
    """An option's name comes from a user or a link: the summary, the fit ranking and the cautions show it
    as written, never as a picture or a link."""
    from planner import scenario_from_dict
    from planner.inputs.files import read_yaml
    from planner.inputs.scenario import ScenarioError

    planted = "RAG ![i](http://127.0.0.1:9/x.png) **b** [l](http://x)"  # within 60 characters
    data = read_yaml(SIX, ScenarioError).data
    data["options"][2]["name"] = planted
    app = ok(start({"s": encode_scenario(scenario_from_dict(data))}))
    summary = next(m.value for m in app.markdown if m.value.startswith("**Options compared"))
    assert "![" not in summary and "](http" not in summary  # escaped for Markdown
    assert planted in shown(summary)
    assert planted in list(app.dataframe[0].value["Option"])  # a grid cell is text already
    app.radio(key="view").set_value("Which approach fits?").run()
    ok(app)
    ranking = [m.value for m in app.markdown if "best fit first" in m.value]
    assert ranking and "![" not in ranking[0] and planted in shown(ranking[0])
    # "Why these numbers?": the chosen option's heading, its name between our bold marks.
    app.radio(key="view").set_value("Why these numbers?").run()
    app.selectbox(key="why:option").select_index(2).run()
    ok(app)
    heading = next(m.value for m in app.markdown if "one-time" in shown(m.value) and "in month 1" in shown(m.value))
    assert "![" not in heading and "](http" not in heading
    assert heading.startswith("**") and shown(heading).startswith(f"**{planted}**: ")  # our bold, its text


def test_an_option_switched_away_and_back_keeps_the_gpu_its_block_chose():
    """On a self-hosted example, an option moved to the API and back is on its block's own GPU again, not on
    the cheapest instance the route switch would pick for a block without one."""
    path = REPO / "examples" / "brand_voice_self_hosted.yaml"
    block_gpu = load_scenario(path).approaches.fine_tune.training_gpu
    app = editing(start({"s": encode_scenario(load_scenario(path))}))
    app.selectbox(key="options:chosen").set_value("fine_tuning").run()
    widget(app, "selectbox", 2, "route").set_value("api").run()
    ok(app)
    assert link_scenario(app).options[2].settings["route"] == "api"
    widget(app, "selectbox", 2, "route").set_value("self_hosted").run()
    ok(app)
    option = link_scenario(app).options[2]
    assert option.settings.get("training_gpu", block_gpu) == block_gpu
    assert link_scenario(app).option_plans()[2].kind == "fine_tune"


def test_an_option_that_leaves_the_api_and_comes_back_gets_its_blocks_model_again():
    """Route there and back: an option that took an open model for own GPUs is on its block's fine-tunable
    model again back on the API, not on the first fine-tunable model of the tables."""
    app = editing(start({"s": encode_scenario(load_scenario(SIX))}))
    block_model = load_scenario(SIX).approaches.fine_tune.model
    app.selectbox(key="options:chosen").set_value("fine_tune_nova_micro_on_bedrock").run()
    for route in ("self_hosted", "api"):
        widget(app, "selectbox", 0, "route").set_value(route).run()
        ok(app)
    option = link_scenario(app).options[0]
    assert option.settings.get("route", "api") == "api"
    assert option.settings.get("model", block_model) == block_model
