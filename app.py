"""llm-planner in the browser: compare prompt engineering, RAG, fine-tuning and hybrid for a scenario.

Run with ``streamlit run app.py``. The page collects inputs, calls ``planner`` and draws; every
number on it comes from a planner function (see ``ui/``).
"""

from __future__ import annotations

import datetime
import gc
import logging
import os
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from planner import (
    PlannerError,
    PriceBook,
    estimate,
    load_price_book,
    load_scenario,
    parse_scenario,
    scenario_from_dict,
)
from planner.analysis.ranges import RangeMove
from planner.core.limits import MAX_YAML_BYTES
from planner.inputs.files import files_signature
from planner.inputs.pricebook import DEFAULT_PRICES_DIR
from planner.inputs.scenario import Scenario, assumed_inputs, scenario_field
from planner.inputs.validation import members
from planner.measure import corpus, uploads
from planner.measure.training_file import MAX_TRAINING_FILE_BYTES, NotTrainingFile, apply_to_scenario
from planner.outputs.share import decode_answers, decode_scenario, encode_scenario
from ui import access, options_view, views
from ui.budgets_view import forget_opened, render_budgets
from ui.inputs import render_inputs, scenario_data, state_from_scenario
from ui.ranges_view import follow_inputs, render_range_editor, render_ranges
from ui.text import md

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
INTRO = ("Prompt engineering, RAG, fine-tuning and a hybrid, or any options of them, side by side: what each costs "
         "to build and to run, the people-hours and the weeks to production. Pick an example or upload a scenario "
         "in the sidebar and change any input; every number opens into the prices and assumptions behind it under "
         "**Why these numbers?**")
PRICES_ENV = "LLM_PLANNER_PRICES"
DEFAULT_EXAMPLE = "support_assistant.yaml"
BASE = "scenario:base"  # the loaded scenario as plain data; widgets write over it
LAST_GOOD = "scenario:last_good"  # (scenario, estimate) of the last inputs that estimated
NOTICE = "scenario:notice"  # a message about the last load (upload, link), shown once
TRAINING_REPORT = "data:training_report"  # the last measured training file, until it is removed
CORPUS_REPORT = "data:corpus_report"  # the last measured corpus, until its files are removed
# Bumped to empty the measuring uploaders (their keys end with it): Streamlit then frees their files.
UPLOAD_ROUND = "data:upload_round"
VIEWS = ("Charts", "Ranges and break-even", "Why these numbers?", "Which approach fits?", "Hosting routes",
         "Export and share", "Saved budgets", "Price tables")


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_book(directory: str, signature: tuple) -> PriceBook:
    # ``signature`` only keys the cache: saving a table changes it, and the tables reload.
    return load_price_book(directory)


def prices_dir() -> Path:
    """``pricing/``, or the directory in LLM_PLANNER_PRICES (tests edit a copy, never the bundled tables)."""
    return Path(os.environ.get(PRICES_ENV) or DEFAULT_PRICES_DIR)


def price_book() -> PriceBook:
    """The price tables, reloaded only when one of the files changes."""
    directory = prices_dir()
    return _load_book(str(directory), files_signature(directory))


def examples() -> dict[str, Path]:
    """Example scenarios by file name."""
    return {path.name: path for path in sorted(EXAMPLES_DIR.glob("*.yaml"))}


@st.cache_data(show_spinner=False)
def example_title(file_name: str) -> str:
    """An example's own name (its ``name:``), or its file name in words if it does not read."""
    try:
        return load_scenario(EXAMPLES_DIR / file_name).name
    except PlannerError:
        return file_name.removesuffix(".yaml").replace("_", " ").capitalize()


def assumption_defaults(book: PriceBook) -> dict[str, Any]:
    """Widget values for scenario keys left to the assumptions table (none if it did not load)."""
    a = book.assumptions
    if a is None:
        return {}
    defaults: dict[str, Any] = {}
    for path, name in assumed_inputs().items():
        value = getattr(a, name).value
        field = scenario_field(path)
        # A whole-number input shows the assumption as the estimate uses it (rounded).
        whole = field is not None and int in members(field.annotation)
        defaults[path] = round(value) if whole else value
    defaults["operations.base_model_change_every_months"] = 0  # not an assumption: 0 = only at a retirement
    return defaults


def load(data: dict[str, Any], book: PriceBook) -> None:
    """Make ``data`` the scenario on screen: remember it and set every widget from it."""
    st.session_state[BASE] = data
    st.session_state.update(state_from_scenario(data, book, assumption_defaults(book)))
    options_view.restart_widgets()


def load_saved(data: dict[str, Any], book: PriceBook) -> None:
    """Make a saved budget's scenario (plain data) the one on screen: it replaces the example or upload."""
    load(data, book)
    st.session_state["example"] = None


def replace_base(data: dict[str, Any]) -> None:
    """Make ``data`` the loaded scenario without resetting the widgets (for a change of its ranges)."""
    st.session_state[BASE] = data


def on_example(book: PriceBook) -> None:
    name = st.session_state.get("example")
    path = examples().get(name or "")
    if path is None:
        return
    try:
        load(load_scenario(path).model_dump(mode="json"), book)
        forget_opened()
    except PlannerError as exc:
        st.session_state[NOTICE] = ("error", f"The example {name} could not be read:\n\n{exc}")


def on_upload(book: PriceBook) -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    if upload.size > MAX_YAML_BYTES:  # refused before its bytes are decoded
        st.session_state[NOTICE] = ("error", f"The uploaded scenario was not loaded: {upload.name} is "
                                             f"{upload.size:,} bytes; a scenario is at most {MAX_YAML_BYTES:,}")
        return
    try:
        scenario = parse_scenario(upload.getvalue().decode("utf-8", errors="replace"), upload.name)
    except PlannerError as exc:
        st.session_state[NOTICE] = ("error", f"The uploaded scenario was not loaded:\n\n{exc}")
        return
    load(scenario.model_dump(mode="json"), book)
    forget_opened()
    st.session_state["example"] = None
    st.session_state[NOTICE] = ("success", f"Loaded {upload.name}.")


def first_load(book: PriceBook) -> None:
    """On a new session: the scenario, view and "which approach fits" answers in the link, else the
    default example."""
    fit = st.query_params.get("fit")
    if fit:
        try:
            answers = decode_answers(fit)
            st.session_state.update({key: getattr(answers, field) for field, key in views.FIT_KEYS.items()})
        except PlannerError as exc:
            st.session_state[NOTICE] = ("error", f"The answers in this link could not be read:\n\n{exc}")
    token = st.query_params.get("s")
    if token:
        try:
            load(decode_scenario(token).model_dump(mode="json"), book)
            st.session_state["example"] = None
            return
        except PlannerError as exc:
            st.session_state[NOTICE] = ("error", f"The scenario in this link could not be opened:\n\n{exc}")
    st.session_state["example"] = DEFAULT_EXAMPLE
    on_example(book)
    if BASE not in st.session_state:  # the default example could not be read: start from the defaults
        load(Scenario().model_dump(mode="json"), book)


def upload_key(name: str) -> str:
    """The key of a measuring uploader in this round (see ``UPLOAD_ROUND``)."""
    return f"{name}:{st.session_state.get(UPLOAD_ROUND, 0)}"


def held_upload_bytes() -> list[int]:
    """The size of every file this session's uploaders hold (Streamlit keeps them in the server's memory)."""
    sizes = []
    for value in st.session_state.to_dict().values():
        sizes += [f.size for f in (value if isinstance(value, list) else [value]) if isinstance(f, UploadedFile)]
    return sizes


def within_session_cap(report_key: str) -> bool:
    """Whether the session's uploads fit ``uploads.MAX_SESSION_UPLOAD_BYTES``; if not, the measuring
    uploaders are emptied (freeing their files) and the visitor is told why."""
    try:
        uploads.check_session_uploads(held_upload_bytes())
    except uploads.UploadsTooLarge as exc:
        st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
        st.session_state.pop(report_key, None)
        st.session_state[NOTICE] = ("error", f"The uploaded files were not measured: {exc}")
        return False
    return True


def on_training_file(key: str) -> None:
    """Measure an uploaded training file in a worker process; the report waits on screen for the team."""
    upload = st.session_state.get(key)
    if upload is None:
        st.session_state.pop(TRAINING_REPORT, None)
        return
    if not within_session_cap(TRAINING_REPORT):
        return
    bar = st.progress(0.0, text=f"Measuring {md(upload.name)}...")

    def progress(done: int) -> None:
        bar.progress(min(done / max(upload.size, 1), 1.0), text=f"Measuring {md(upload.name)}: {done / 1e6:,.0f} MB")

    try:
        report = uploads.measure_training_upload(upload.getvalue(), upload.name, progress=progress)
    except (NotTrainingFile, uploads.MeasureFailed) as exc:
        st.session_state.pop(TRAINING_REPORT, None)
        st.session_state[NOTICE] = ("error", f"The training file was not measured: {exc}")
        return
    finally:
        bar.empty()
    st.session_state[TRAINING_REPORT] = report


def use_measurement(book: PriceBook, key: str, apply: Any, what: str) -> None:
    """Put the measured report under ``key`` into the plan with ``apply`` (its module's apply_to_scenario);
    ``what`` says in words which inputs it sets."""
    report = st.session_state.get(key)
    if report is None:
        return
    state = st.session_state.to_dict()
    current = scenario_data(state[BASE], state, assumption_defaults(book))
    try:
        updated = apply(current, report, datetime.date.today().isoformat())
        scenario_from_dict(updated, name=report.name)
    except (ValueError, PlannerError) as exc:
        st.session_state[NOTICE] = ("error", f"The measured numbers could not be used: {exc}")
        return
    load(updated, book)
    st.session_state[NOTICE] = ("success", f"{what} now come from {report.name}.")


def on_corpus(key: str) -> None:
    """Measure uploaded documents (or zips of them) in a worker process; the report waits on screen."""
    files = st.session_state.get(key) or []
    if not files:
        st.session_state.pop(CORPUS_REPORT, None)
        return
    if not within_session_cap(CORPUS_REPORT):
        return
    name = files[0].name if len(files) == 1 else f"{len(files)} uploaded files"
    try:
        report = uploads.measure_corpus_uploads([(f.name, f.getvalue()) for f in files], name)
    except (corpus.NotCorpus, ValueError) as exc:  # uploads.MeasureFailed is a ValueError
        st.session_state.pop(CORPUS_REPORT, None)
        st.session_state[NOTICE] = ("error", f"The documents were not measured: {exc}")
        return
    st.session_state[CORPUS_REPORT] = report


def sidebar(book: PriceBook) -> None:
    with st.sidebar:
        st.header("Scenario")
        st.selectbox("Example", list(examples()), key="example", on_change=on_example, args=(book,),
                     index=None, placeholder="Loaded from a link or upload", format_func=example_title)
        st.file_uploader("Upload a scenario (YAML)", type=["yaml", "yml"], key="upload", on_change=on_upload,
                         args=(book,))
        training_key, corpus_key = upload_key("training_file"), upload_key("corpus_files")
        st.file_uploader(f"Measure a training file (JSONL, up to {MAX_TRAINING_FILE_BYTES / 1e6:,.0f} MB)",
                         type=["jsonl", "json", "txt"], key=training_key, on_change=on_training_file,
                         args=(training_key,),
                         help="Chat messages, prompt/completion or preference pairs, one JSON object a line: "
                              "examples, tokens, billed tokens and every problem by line.")
        st.file_uploader("Measure a knowledge corpus (documents or a zip, up to "
                         f"{corpus.MAX_CORPUS_BYTES / 1e6:,.0f} MB)",
                         type=[*sorted(ext.lstrip(".") for ext in corpus.SUPPORTED), "zip"],
                         accept_multiple_files=True, key=corpus_key, on_change=on_corpus, args=(corpus_key,),
                         help="Text, Markdown, HTML, CSV, JSON Lines, PDF and Word documents: tokens, chunks, "
                              "vectors, and the files that could not be read and why.")
    render_inputs(book)


LOG = logging.getLogger("llm_planner.app")
FAILURE = ("Something went wrong on our side and this part of the page could not be drawn. Your inputs are kept: "
           "change one or reload the page. If it happens again, tell whoever runs this planner: the server's log "
           "has the details.")


def main() -> None:
    """The page, with a boundary: an unexpected error is logged for whoever runs the server and shown to the
    visitor as a plain message, never as a traceback with the server's paths."""
    st.set_page_config(page_title="llm-planner", layout="wide")
    try:
        page()
    except Exception:  # st.rerun and st.stop raise BaseException subclasses, which pass through
        failed()
    freeze_long_lived_objects()


@st.cache_resource(show_spinner=False)
def freeze_long_lived_objects() -> bool:
    """Once per server process, after its first page: move what is loaded by then (modules, the price
    tables, plotly's and pandas' own objects: about 150,000) out of the garbage collector's sight.

    Streamlit collects garbage in every generation after each rerun, and that collection scans every
    tracked object: at ten options it cost about 95 ms per input change, twice the page's own script
    (bench/profile_rerun.py). Frozen, these objects are never scanned (they live as long as the server
    does anyway), and each collection scans only what the sessions made since. The first session's own
    objects are frozen too, and so kept until the server stops: one session's worth, a few megabytes.
    """
    gc.collect()
    gc.freeze()
    return True


def failed() -> None:
    """Log the exception being handled, and tell the visitor in plain words."""
    LOG.exception("the page failed")
    st.error(FAILURE)


def page() -> None:
    """Inputs in, the planner's figures out; the sidebar is drawn even when the main area fails, so that
    Streamlit keeps the inputs' values (it forgets a widget a run does not draw)."""
    who = access.current()
    if who.needs_login:
        st.title("llm-planner")
        st.markdown(INTRO)
        st.info("Log in to use the planner.")
        st.button("Log in", key="login", type="primary", on_click=st.login)
        return
    book = price_book()
    if BASE not in st.session_state:
        first_load(book)
    try:
        main_area(book, who)
    except Exception:
        failed()
    sidebar(book)


def main_area(book: PriceBook, who: access.Access) -> None:
    """The comparison and the chosen view."""
    # The widgets' values are in session state before the widgets are drawn, so the comparison can be
    # computed and drawn first, and the sidebar after it: the numbers people watch update sooner.
    st.title("llm-planner")
    st.markdown(INTRO)
    st.caption(md(who.describe()))
    for problem in book.problems:
        st.warning(md(f"Price table left out: {problem}"))
    notice = st.session_state.pop(NOTICE, None)
    if notice is not None:
        getattr(st, notice[0])(md(notice[1]))

    moved: list[RangeMove] = []  # ranges that followed their input's value, said in the ranges view
    try:
        state = st.session_state.to_dict()  # one snapshot: each read of st.session_state filters it anew
        scenario = scenario_from_dict(scenario_data(state[BASE], state, assumption_defaults(book)), name="inputs")
        scenario, moved = follow_inputs(scenario, state[BASE], book)
        result = estimate(scenario, book)
        st.session_state[LAST_GOOD] = (scenario, result)
        token = encode_scenario(scenario)
        if st.query_params.get("s") != token:
            st.query_params["s"] = token
    except PlannerError as exc:
        st.error(md(f"These inputs cannot be estimated; the page shows the last inputs that could.\n\n{exc}"))
        if LAST_GOOD not in st.session_state:
            return
        scenario, result = st.session_state[LAST_GOOD]
        moved = []  # those of the inputs refused, not of the ones shown

    st.header(md(scenario.name), anchor=False)
    if scenario.description:
        st.caption(md(scenario.description))
    report = st.session_state.get(TRAINING_REPORT)
    if report is not None:
        views.render_training_report(report)
        st.button("Use these numbers in the plan", key="use_training_file", on_click=use_measurement,
                  args=(book, TRAINING_REPORT, apply_to_scenario,
                        "The fine-tune's examples, tokens per example and epochs"))
    corpus_report = st.session_state.get(CORPUS_REPORT)
    if corpus_report is not None:
        views.render_corpus_report(corpus_report)
        st.button("Use these corpus tokens in the plan", key="use_corpus", on_click=use_measurement,
                  args=(book, CORPUS_REPORT, corpus.apply_to_scenario, "The knowledge base's tokens"))
    editor = options_view.Editor(st.session_state[BASE], replace_base, lambda data: scenario_data(
        data, st.session_state.to_dict(), assumption_defaults(book)))
    options_view.render_options(editor, scenario, book)
    shown = options_view.shown_only(result)  # the exports keep every option
    views.render_comparison(shown)
    # Only the chosen view runs: a change of input then redraws the comparison and one view, not all.
    # Bound to the link's ?view=, so a link reopens its view (Streamlit keeps the two in step).
    view = st.radio("View", list(VIEWS), horizontal=True, key="view", label_visibility="collapsed",
                    bind="query-params")
    if view == "Charts":
        views.render_charts(shown)
    elif view == "Ranges and break-even":
        render_range_editor(st.session_state[BASE], scenario, replace_base)
        render_ranges(result, scenario, book, moved)
    elif view == "Why these numbers?":
        views.render_why(shown)
    elif view == "Which approach fits?":
        views.render_fit(result)
    elif view == "Hosting routes":
        views.render_routes(scenario, book, editor)
    elif view == "Export and share":
        views.render_export(result, scenario, book)
    elif view == "Saved budgets":
        render_budgets(result, scenario, book, who, lambda data: load_saved(data, book))
    else:
        views.render_prices(book, scenario, who)


main()
