"""Errors raised for a user's mistake, each naming the file, line and field at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file: where it is and what was expected.

    >>> str(Problem("pricing/openai.yaml", 14, "models.gpt-4o-mini.input_per_million_tokens",
    ...             "must be >= 0, got -3"))
    'pricing/openai.yaml:14: models.gpt-4o-mini.input_per_million_tokens: must be >= 0, got -3'
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PlannerError(Exception):
    """Base of every error the planner raises for bad input; carries one or more problems."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class PricingError(PlannerError):
    """A price table (or the assumptions or exchange-rate table) is malformed or invalid."""


class ScenarioError(PlannerError):
    """A scenario is malformed, invalid, or refers to an offering the price tables lack."""


class FieldProblem(Exception):
    """Raised inside the cost model for a scenario field that cannot be costed as given.

    The estimate turns it into a ``ScenarioError`` located in the scenario's file.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
