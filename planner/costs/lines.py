"""Estimate line items: the unit every total is a sum of, and every explanation is made of."""

from __future__ import annotations

import datetime
import re
from typing import Literal, NamedTuple

from planner.inputs.pricebook import Sale

# An option's id (``Option.id``); in a scenario without options, the kind of approach
# ("prompt", "rag", "fine_tune", "hybrid"). Kinds and their labels: ``planner.inputs.scenario``.
Approach = str
Category = Literal[
    "engineering",
    "data_preparation",
    "evaluation",
    "training",
    "embeddings",
    "inference",
    "vector_db",
    "hosting",
    "retraining",
    "operations",
    "compliance",
    "contingency",
    "tax",
]
Timing = Literal["one_time", "monthly"]

CATEGORY_LABELS: dict[Category, str] = {
    "engineering": "Engineering",
    "data_preparation": "Data preparation",
    "evaluation": "Evaluation",
    "training": "Training",
    "embeddings": "Embeddings",
    "inference": "Inference",
    "vector_db": "Vector database",
    "hosting": "GPU hosting",
    "retraining": "Retraining",
    "operations": "Operations",
    "compliance": "Privacy and compliance",
    "contingency": "Contingency",
    "tax": "Tax",
}
PERSON_HOURS = "person-hours"


# Every top-level section of a scenario (a test keeps this list equal to Scenario's fields), and the
# assumptions table: "operations.personal_data" reads "personal data".
_FIELD_PATH = re.compile(
    r"\b(?:assumptions|workload|approaches|options|project|operations|team)(?:\.[a-z0-9_]+)+")
_SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def in_words(text: str) -> str:
    """A basis or note for people: field paths and ids become words.

    >>> in_words("assumptions.prompt_design_hours x workload.requests_per_month (100,000)")
    'prompt design hours x requests per month (100,000)'
    >>> in_words("openai/gpt-4.1-mini via developers.openai.com")
    'openai/gpt-4.1-mini via developers.openai.com'
    """
    text = _FIELD_PATH.sub(lambda m: m.group(0).rsplit(".", 1)[1], text)
    return _SNAKE.sub(lambda m: m.group(0).replace("_", " "), text)


def lower_first(text: str) -> str:
    """Text continuing a sentence: its first letter lower-cased, unless it starts an acronym.

    >>> lower_first("Human review"), lower_first("LLM judge")
    ('human review', 'LLM judge')
    """
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def horizon_total(months: int) -> str:
    """The name of an option's horizon total, saying that it includes the one-time cost (so nobody adds it twice).

    >>> horizon_total(12)
    '12-month cost incl. one-time build'
    """
    return f"{months}-month cost incl. one-time build"


MONTHS_PER_YEAR = 12


def months(count: int) -> str:
    """A number of months in words: "1 month", "12 months"."""
    return f"{count} month" if count == 1 else f"{count} months"


# A NamedTuple rather than a frozen dataclass: as immutable, and an estimate builds dozens of lines
# on every input change, where a frozen dataclass's __init__ costs about 6x as much.
class LineItem(NamedTuple):
    """One cost: quantity x unit price = amount, with where the price and quantity came from.

    For a monthly line, ``quantity`` and ``amount`` are the first month's and ``horizon_amount``
    sums every month of the horizon; for a one-time line the two amounts are equal.
    ``unit_price`` is in the report ``currency`` (converted if the price table's differs; ``note``
    then names the rate used). ``caveats`` repeat the status notes of the offering and of any
    exchange rate used, each prefixed with its key.
    ``monthly_amounts`` holds a monthly line's amount in each month of the horizon.
    """

    approach: Approach
    category: Category
    item: str
    timing: Timing
    quantity: float
    unit: str
    unit_price: float
    amount: float
    horizon_amount: float
    currency: str
    price_key: str
    source: str
    as_of: datetime.date | None
    quantity_basis: str
    note: str = ""
    caveats: tuple[str, ...] = ()
    monthly_amounts: tuple[float, ...] = ()
    blocking: bool = False  # its price's status stops a new customer from buying it
    retires: datetime.date | None = None  # the day the priced model's provider stops serving it
    sale: Sale | None = None  # the priced offering's region and selling days (None: not an offering)
    not_buyable: str = ""  # why this line cannot be bought for the plan ("": it can)
