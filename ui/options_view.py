"""The options compared: add, duplicate, rename, remove, show or hide them, and set each one's own settings.

Options live in the loaded scenario (``app.BASE``, plain data) and change only through the callbacks
here, which build the new scenario with ``planner.inputs.option_edits``, validate it, and keep the last
good one when it does not validate (the visitor is told why). Every structural change bumps a
generation number that is part of the widgets' keys, so the widgets start again from the scenario.
Each option's settings are the sidebar's own inputs for its kind (``ui.inputs``): the same labels,
bounds and choices; a value equal to the shared block's is left to the block.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from planner import PlannerError, PriceBook, Scenario, scenario_from_dict
from planner.core.errors import Problem
from planner.costs.estimator import Estimate
from planner.costs.lines import in_words
from planner.inputs import option_edits
from planner.inputs.scenario import (
    APPROACH_KINDS,
    APPROACH_LABELS,
    FINE_TUNE_KEYS,
    FINE_TUNE_ROUTES,
    MAX_OPTION_NAME,
    MAX_OPTIONS,
    ApproachKind,
    compose_hybrid,
    option_id,
)
from ui.inputs import ALL_INPUTS, Input, option_words, retirement_marks
from ui.text import md

GENERATION = "options:generation"
EDITING = "options:editing"  # the toggle that draws the editing widgets
CHOSEN = "options:chosen"  # the option whose settings are shown (kept across structural changes)
NOTICE = "scenario:notice"  # app.NOTICE: a message shown once above the comparison
# The inputs an option sets for itself, by kind (the rest, such as examples and the corpus, are shared
# through the sidebar's blocks). A hybrid takes the fine-tuning inputs and the retrieval ones.
OWN_INPUTS: dict[ApproachKind, tuple[str, ...]] = {
    "prompt": ("approaches.prompt.model", "approaches.prompt.system_prompt_tokens",
               "approaches.prompt.cached_prompt_share", "approaches.prompt.prompt_cache",
               "approaches.prompt.reasoning_effort", "approaches.prompt.batch_share", "approaches.prompt.flex_share",
               "approaches.prompt.priority_share"),
    "rag": ("approaches.rag.model", "approaches.rag.system_prompt_tokens", "approaches.rag.retrieved_tokens",
            "approaches.rag.cached_prompt_share", "approaches.rag.prompt_cache",
            "approaches.rag.repeated_context_share", "approaches.rag.reasoning_effort", "approaches.rag.batch_share",
            "approaches.rag.flex_share", "approaches.rag.priority_share", "approaches.rag.embedding_model",
            "approaches.rag.vector_db"),
    "fine_tune": ("approaches.fine_tune.route", "approaches.fine_tune.model", "approaches.fine_tune.host",
                  "approaches.fine_tune.system_prompt_tokens", "approaches.fine_tune.method",
                  "approaches.fine_tune.training_gpu", "approaches.fine_tune.serving_gpu",
                  "approaches.fine_tune.serving_schedule", "approaches.fine_tune.purchase"),
    "hybrid": ("approaches.fine_tune.route", "approaches.fine_tune.model", "approaches.fine_tune.host",
               "approaches.fine_tune.system_prompt_tokens", "approaches.fine_tune.method",
               "approaches.fine_tune.training_gpu", "approaches.fine_tune.serving_gpu",
               "approaches.fine_tune.serving_schedule", "approaches.fine_tune.purchase",
               "approaches.rag.retrieved_tokens", "approaches.rag.embedding_model", "approaches.rag.vector_db"),
}


def generation() -> int:
    """The current generation of the option widgets' keys."""
    return int(st.session_state.get(GENERATION, 0))


def restart_widgets() -> None:
    """Make every option widget start again from the scenario (after a load or a structural change)."""
    st.session_state[GENERATION] = generation() + 1


def _key(index: int, name: str) -> str:
    return f"option:{generation()}:{index}:{name}"


@dataclass(frozen=True)
class Editor:
    """What changing the options needs: the loaded scenario (plain data, ``app.BASE``), how to replace it,
    and how to complete a candidate with the sidebar's current values, so that it is checked as it will
    be estimated."""

    base: dict[str, Any]
    replace: Callable[[dict[str, Any]], None]
    complete: Callable[[dict[str, Any]], dict[str, Any]]

    def apply(self, changed: dict[str, Any], structural: bool = True) -> None:
        """A widget's callback: ``made``, its answer not needed."""
        self.made(changed, structural)

    def made(self, changed: dict[str, Any], structural: bool = True) -> bool:
        """Make ``changed`` the scenario if it validates with the sidebar's values; else keep the scenario as
        it is and say why, in the options' names. Whether it was made."""
        try:
            scenario_from_dict(self.complete(changed), name="options")
        except PlannerError as exc:
            options = option_edits.options_of(changed)
            reasons = "\n".join(f"- {_in_words(problem, options)}" for problem in exc.problems)
            st.session_state[NOTICE] = ("error", f"That change was not made:\n\n{reasons}")
            restart_widgets()  # the widget showed the refused value: show the kept one again
            return False
        self.replace(changed)
        if structural:
            restart_widgets()
        return True


_OPTION_FIELD = re.compile(r"^options\.(\d+)(?:\.settings)?(?:\.(.+))?$")


def _in_words(problem: Problem, options: list[dict[str, Any]]) -> str:
    """A problem for the visitor: an option's by its name and the setting in words ("RAG on Claude, model:
    ..."), any other by its field in words."""
    found = _OPTION_FIELD.match(problem.field)
    if found is None:
        return f"{in_words(problem.field)}: {problem.message}" if problem.field else problem.message
    index, key = int(found.group(1)), found.group(2)
    name = options[index]["name"] if index < len(options) else f"option {index + 1}"
    return f"{name}{', ' + in_words(key) if key else ''}: {problem.message}"


def _own_inputs(kind: ApproachKind, route: str) -> list[tuple[str, Input]]:
    """(the option's key, the sidebar input it mirrors) for each setting an option of ``kind`` sets itself."""
    found = []
    for item in ALL_INPUTS:
        path, _, _ = item.path.partition("@")
        if path in OWN_INPUTS[kind] and (item.route is None or item.route == route):
            found.append((path.rsplit(".", 1)[1], item))
    return found


def _route_default(route: str, key: str) -> Any:
    """The default of ``key`` on fine-tuning ``route``, or None where it has none (a required key, another route's)."""
    fields = FINE_TUNE_ROUTES[route].model_fields if route in FINE_TUNE_ROUTES else {}
    info = fields.get(key)
    return None if info is None or info.is_required() else info.default


def _block_value(scenario: Scenario, kind: ApproachKind, key: str) -> Any:
    """The value an option of ``kind`` takes for ``key`` when it does not set it: its block's."""
    # None for a key of a fine-tuning route the block is not on.
    if kind == "hybrid":
        a = scenario.approaches
        training, retrieval = compose_hybrid(a.fine_tune, a.rag, a.hybrid.overrides())
        return getattr(training, key, None) if key in FINE_TUNE_KEYS else getattr(retrieval, key)
    return getattr(getattr(scenario.approaches, kind), key, None)


def render_options(editor: Editor, scenario: Scenario, book: PriceBook) -> None:
    """The options of the scenario in one line, and, when asked for, the means to change them.

    The editing widgets are drawn only while "Edit the options" is on: an ordinary change of an input
    then reruns none of them, however many options there are.
    """
    base = editor.base
    options = option_edits.options_of(base)
    explicit = bool(base.get("options"))
    names = " · ".join(md(option["name"]) + ("" if option.get("shown", True) else " (hidden)") for option in options)
    st.markdown(f"**Options compared ({len(options)}{'' if explicit else ', the four approaches'}):** {names}")
    if not st.toggle("Edit the options", key=EDITING,
                     help="Add, duplicate, rename, hide or remove options, and set each one's own settings."):
        return
    with st.container(border=True):
        st.caption("Each option is a kind of approach with its own settings; what it does not set comes from that "
                   "kind's inputs in the sidebar, so data the options share (examples, corpus) is entered once. "
                   "Hidden options are left out of the comparison and charts, not out of the exports.")
        for index, option in enumerate(options):
            _option_row(editor, index, option)
        # Chosen by the option's id, not its place: a duplicate or a removal above it moves it down or up.
        ids = [option_id(option["name"]) for option in options]
        if st.session_state.get(CHOSEN) not in ids:
            st.session_state[CHOSEN] = ids[0]
        by_id = dict(zip(ids, options, strict=True))
        chosen = st.selectbox("Settings of", ids, key=CHOSEN, format_func=lambda i: _named(by_id[i]))
        if chosen in by_id:
            _settings(editor, scenario, book, ids.index(chosen), by_id[chosen])
        left, middle, right = st.columns([3, 3, 2], vertical_alignment="bottom")
        kind = left.selectbox("Kind of approach", list(APPROACH_KINDS), key=_key(-1, "kind"),
                              format_func=lambda k: APPROACH_LABELS[k])
        middle.text_input(f"Name (up to {MAX_OPTION_NAME} characters)", key=_key(-1, "name"),
                          max_chars=MAX_OPTION_NAME, placeholder=APPROACH_LABELS[kind])
        kind_key, name_key = _key(-1, "kind"), _key(-1, "name")
        # The callback reads the widgets' values as they are at the click, not as they were drawn.
        right.button("Add option", key=_key(-1, "add"), disabled=len(options) >= MAX_OPTIONS,
                     on_click=lambda: editor.apply(option_edits.add_option(
                         base, st.session_state[kind_key], st.session_state[name_key] or "")),
                     help=f"Up to {MAX_OPTIONS} options." if len(options) >= MAX_OPTIONS else None)


def _named(option: dict[str, Any]) -> str:
    """An option's name with its kind in brackets, unless the name is the kind's own label.

    >>> _named({"name": "RAG on Claude", "approach": "rag"}), _named({"name": "RAG", "approach": "rag"})
    ('RAG on Claude (RAG)', 'RAG')
    """
    label = APPROACH_LABELS[option["approach"]]
    return option["name"] if option["name"] == label else f"{option['name']} ({label})"


OPTION_ROW_COLUMNS = [3, 1.7, 1.9, 2.1, 1.9]  # name, kind, Shown, Duplicate, Remove


def _option_row(editor: Editor, index: int, option: dict[str, Any]) -> None:
    base = editor.base
    kind: ApproachKind = option["approach"]
    # Widths that hold "Shown", "Duplicate" and "Remove" whole in the main area at 1024 px (about 560 px).
    name_column, kind_column, shown_column, copy_column, remove_column = st.columns(
        OPTION_ROW_COLUMNS, vertical_alignment="bottom")
    name_key = _key(index, "name")
    def renamed() -> None:
        chosen = st.session_state.get(CHOSEN) == option_id(option["name"])
        if editor.made(option_edits.rename_option(base, index, st.session_state[name_key])) and chosen:
            st.session_state[CHOSEN] = option_id(st.session_state[name_key])  # its settings stay on screen

    name_column.text_input(f"Option {index + 1}", value=option["name"], key=name_key, max_chars=MAX_OPTION_NAME,
                           on_change=renamed)
    kind_column.caption(md(APPROACH_LABELS[kind]))
    shown_key = _key(index, "shown")
    shown_column.checkbox("Shown", value=option.get("shown", True), key=shown_key,
                          on_change=lambda: editor.apply(option_edits.show_option(
                              base, index, st.session_state[shown_key]), structural=False))
    copy_column.button("Duplicate", key=_key(index, "copy"),
                       on_click=lambda: editor.apply(option_edits.duplicate_option(base, index)))
    remove_column.button("Remove", key=_key(index, "remove"),
                         on_click=lambda: editor.apply(option_edits.remove_option(base, index)))


def _settings(editor: Editor, scenario: Scenario, book: PriceBook, index: int, option: dict[str, Any]) -> None:
    kind: ApproachKind = option["approach"]
    own = option.get("settings") or {}
    route = own.get("route") or (_block_value(scenario, kind, "route") if kind in ("fine_tune", "hybrid") else "")
    columns = st.columns(3)
    for position, (key, item) in enumerate(_own_inputs(kind, route)):
        block_value = _block_value(scenario, kind, key)
        if block_value is None and kind in ("fine_tune", "hybrid"):
            # a key of the option's route that the block's route lacks: the route's own default (GPUs: automatic)
            block_value = _route_default(route, key)
        value = own.get(key, block_value)
        widget_key = _key(index, key)

        def changed(key: str = key, widget_key: str = widget_key, item: Input = item, block_value: Any = block_value,
                    ) -> None:
            new = st.session_state[widget_key]
            if item.kind == "percent" and new is not None:
                new = round(new / 100, 9)
            if key == "route":  # another route needs other fields: first choices for those it lacks
                editor.apply(_with_route(editor.base, scenario, book, index, option, new))
                return
            editor.apply(option_edits.set_option_setting(editor.base, index, key, new, block_value),
                         structural=False)

        shown_value = round(value * 100, 6) if item.kind == "percent" and value is not None else value
        with columns[position % 3]:
            _widget(item, book, widget_key, shown_value, changed)


def _with_route(base: dict[str, Any], scenario: Scenario, book: PriceBook, index: int, option: dict[str, Any],
                route: str) -> dict[str, Any]:
    """The scenario with option ``index`` (fine-tuning or hybrid) moved to ``route``, with what that route needs."""
    kind: ApproachKind = option["approach"]
    own = option.get("settings") or {}
    a = scenario.approaches
    inherited = {**a.fine_tune.written(), **(a.hybrid.overrides() if kind == "hybrid" else {})}
    changes = option_edits.route_settings(book, route, {**inherited, **own}, datetime.date.today(), inherited,
                                          scenario.project.data_residency)
    for key, value in changes.items():
        base = option_edits.set_option_setting(base, index, key, value, _block_value(scenario, kind, key))
    return base


def _widget(item: Input, book: PriceBook, key: str, value: Any, on_change: Callable[[], None]) -> None:
    """The sidebar input ``item`` drawn for an option: same label, bounds and choices, its own key and value."""
    if item.kind == "select":
        choices = item.options(book) if item.options else []
        if value is not None and value not in choices:
            choices = [*choices, value]  # a reference the tables no longer hold: shown, and the planner says why
        marks = retirement_marks(item, book, choices)
        # Unset (a serving GPU left to the training one, say): nothing chosen, and the field's default applies,
        # as its description says ("...; default: the training instance").
        default = item.help.rpartition("default: ")[2].rstrip(".") if "default: " in item.help else "the default"
        st.selectbox(item.label, choices, index=None if value is None else choices.index(value), key=key,
                     help=item.help or None, on_change=on_change, placeholder=f"Not set: {default}",
                     format_func=lambda choice: option_words(item.path, choice) + marks.get(choice, ""))
    elif item.kind == "int":
        st.number_input(item.label, min_value=int(item.low), max_value=int(item.high), step=int(item.step),
                        value=int(value), key=key, help=item.help or None, on_change=on_change)
    else:
        st.number_input(item.label, min_value=float(item.low), max_value=float(item.high), step=float(item.step),
                        value=float(value), key=key, help=item.help or None, on_change=on_change, format="%.2f")


def shown_only(estimate: Estimate) -> Estimate:
    """The estimate with only the options shown in the comparison (all of them when none is hidden)."""
    if all(result.shown for result in estimate.approaches.values()):
        return estimate
    return dataclasses.replace(estimate, approaches={name: result for name, result in estimate.approaches.items()
                                                     if result.shown})
