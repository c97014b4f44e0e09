"""One error type for everything a user can get wrong, always with a place to look."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Loc:
    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """A located message: an error inside BriefError, or a warning returned as data."""

    loc: Loc
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"


class BriefError(Exception):
    """Bad input. Carries every problem found, so users fix them all in one round."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, loc: Loc, message: str) -> "BriefError":
        return cls(Problem(loc, message))
