"""An edited price never keeps the old source: the offerings whose figures changed under an unchanged
source are listed, and exactly those get the new source and date."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from conftest import parent_of

from planner import PricingError
from planner.inputs.price_tables import PriceTable
from planner.price_admin.editing import UnsourcedEdit, stamp_source, table_to_yaml, unsourced_edits
from planner.price_admin.store import check_table_text

JAN = datetime.date(2026, 1, 1)
TODAY = datetime.date(2026, 12, 1)
BASE: dict[str, Any] = {
    "provider": "acme", "display_name": "Acme", "currency": "USD",
    "models": {
        "chat": {"input_per_million_tokens": 1.0, "output_per_million_tokens": 4.0, "source": "Acme price list",
                 "as_of": JAN, "fine_tuning": {"training_per_million_tokens": 25.0, "input_per_million_tokens": 2.0,
                                               "output_per_million_tokens": 8.0, "source": "Acme tuning page",
                                               "as_of": JAN}},
        "mini": {"input_per_million_tokens": 0.1, "output_per_million_tokens": 0.4, "source": "Acme price list",
                 "as_of": JAN},
    },
    "embeddings": {"embed": {"per_million_tokens": 0.02, "dimensions": 1536, "source": "Acme embeddings page",
                             "as_of": JAN}},
}


def table(**changes: Any) -> PriceTable:
    """BASE with dotted-path changes (``models.chat.source="x"``); a value of None deletes the key."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node, last = parent_of(data, dotted)
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    return PriceTable.model_validate(data)


def listed(old: PriceTable, new: PriceTable) -> list[tuple[str, str, str | None, tuple[str, ...], bool]]:
    return [(e.section, e.offering_id, e.block, e.fields, e.added) for e in unsourced_edits(old, new)]


OLD = table()


@pytest.mark.parametrize(("changes", "expected"), [
    # A price changed, its source did not: listed, with the figure that changed.
    ({"models.chat.input_per_million_tokens": 1.5},
     [("models", "chat", None, ("input_per_million_tokens",), False)]),
    # Two figures of one offering, in the order the model lists them.
    ({"models.mini.output_per_million_tokens": 0.5, "models.mini.input_per_million_tokens": 0.2},
     [("models", "mini", None, ("input_per_million_tokens", "output_per_million_tokens"), False)]),
    # The nested block's own figure: the block is listed, the model is not (its own figures are unchanged).
    ({"models.chat.fine_tuning.training_per_million_tokens": 30.0},
     [("models", "chat", "fine_tuning", ("training_per_million_tokens",), False)]),
    # A retirement date is a published figure too.
    ({"models.mini.deprecation_date": datetime.date(2027, 3, 1)},
     [("models", "mini", None, ("deprecation_date",), False)]),
    ({"embeddings.embed.dimensions": 3072}, [("embeddings", "embed", None, ("dimensions",), False)]),
    # A new source with the new price: nothing to stamp.
    ({"models.chat.input_per_million_tokens": 1.5, "models.chat.source": "Acme price list, read 2026-12-01"}, []),
    # Provenance alone, or the planner's own keys, changed: no figure is new.
    ({"models.chat.as_of": TODAY, "models.chat.status": "preview", "models.chat.blocking": True}, []),
    ({"models.chat.litellm_id": "acme/chat-v2", "models.mini.open_model": "test-1b"}, []),
    # A removed offering carries nothing.
    ({"models.mini": None}, []),
    # An added offering with its own source and date, or one copied from another row.
    ({"models.new": {"input_per_million_tokens": 3.0, "output_per_million_tokens": 9.0, "source": "Acme launch post",
                     "as_of": TODAY}}, []),
    ({"models.new": {"input_per_million_tokens": 3.0, "output_per_million_tokens": 9.0, "source": "Acme price list",
                     "as_of": JAN}},
     [("models", "new", None, ("input_per_million_tokens", "output_per_million_tokens"), True)]),
    # A fine-tuning block added to a model, copied from another model's.
    ({"models.mini.fine_tuning": copy.deepcopy(BASE["models"]["chat"]["fine_tuning"])},
     [("models", "mini", "fine_tuning", ("training_per_million_tokens", "input_per_million_tokens",
                                         "output_per_million_tokens"), True)]),
])
def test_offerings_with_new_figures_under_the_old_source_are_listed(changes, expected):
    assert listed(OLD, table(**changes)) == expected


def test_stamping_sets_the_new_source_and_date_on_exactly_the_listed_offerings():
    new = table(**{"models.chat.input_per_million_tokens": 1.5,
                   "models.chat.fine_tuning.training_per_million_tokens": 30.0,
                   "embeddings.embed.source": "Acme embeddings page, 2026",
                   "embeddings.embed.per_million_tokens": 0.01})
    edits = unsourced_edits(OLD, new)
    assert [str(e) for e in edits] == [
        "acme/chat: input per million tokens changed, source still 'Acme price list'",
        "acme/chat fine-tuning: training per million tokens changed, source still 'Acme tuning page'",
    ]
    stamped = stamp_source(new, edits, "  Acme price list, read 2026-12-01 ", TODAY)
    chat = stamped.models["chat"]
    assert (chat.source, chat.as_of) == ("Acme price list, read 2026-12-01", TODAY)
    assert (chat.fine_tuning.source, chat.fine_tuning.as_of) == ("Acme price list, read 2026-12-01", TODAY)
    assert (chat.input_per_million_tokens, chat.fine_tuning.training_per_million_tokens) == (1.5, 30.0)
    # Not listed, so untouched: mini (unchanged) and embed (given its own new source by the editor).
    assert (stamped.models["mini"].source, stamped.models["mini"].as_of) == ("Acme price list", JAN)
    embed = stamped.embeddings["embed"]
    assert (embed.source, embed.as_of) == ("Acme embeddings page, 2026", JAN)
    assert unsourced_edits(OLD, stamped) == []  # nothing is left carrying the old source
    check_table_text(table_to_yaml(stamped), "acme", "acme.yaml")  # and it saves as a valid table


def test_stamping_only_the_model_leaves_its_fine_tuning_source_alone():
    new = table(**{"models.chat.output_per_million_tokens": 5.0})
    stamped = stamp_source(new, unsourced_edits(OLD, new), "Acme blog", TODAY)
    assert stamped.models["chat"].source == "Acme blog"
    assert (stamped.models["chat"].fine_tuning.source, stamped.models["chat"].fine_tuning.as_of) == (
        "Acme tuning page", JAN)


@pytest.mark.parametrize(("source", "as_of", "field"), [
    ("", TODAY, "source"), ("   \n", TODAY, "source"), ("x" * 10_001, TODAY, "source"),
    ("Acme", datetime.datetime(2026, 12, 1, 9, 0), "as_of"), ("Acme", "2026-12-01", "as_of"),
])
def test_a_source_or_date_that_cannot_be_stamped_is_our_error(source, as_of, field):
    new = table(**{"models.chat.input_per_million_tokens": 1.5})
    with pytest.raises(PricingError, match=rf"^acme\.yaml: {field}: "):
        stamp_source(new, unsourced_edits(OLD, new), source, as_of)


def test_an_edit_naming_an_offering_the_table_lacks_is_our_error():
    stale = UnsourcedEdit("acme", "models", "gone", None, ("input_per_million_tokens",), "Acme price list")
    with pytest.raises(PricingError, match=r"^acme\.yaml: models\.gone: not in this table"):
        stamp_source(OLD, [stale], "Acme", TODAY)
    nested = UnsourcedEdit("acme", "models", "mini", "fine_tuning", ("training_per_million_tokens",), "x")
    with pytest.raises(PricingError, match=r"models\.mini\.fine_tuning: not in this table"):
        stamp_source(OLD, [nested], "Acme", TODAY)
