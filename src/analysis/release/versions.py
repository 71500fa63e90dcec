"""Semantic versions of the dataset, and the size of a step between two of them.

A release is numbered MAJOR.MINOR.PATCH. The number says what a reader of the previous
release must expect: a major step when the codebook changes in a way that breaks readers
(a column removed or retyped, a vocabulary value removed), a minor step when sources or
incidents are added (or the codebook grows), a patch for corrections.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .errors import ReleaseError

_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class Bump(enum.IntEnum):
    """How far a version moves; ordered, so the larger of two requirements wins."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def word(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "Version":
        m = _VERSION.match(str(text).strip())
        if not m:
            raise ReleaseError(
                f"{text!r} is not a release version; give three numbers without leading zeros, MAJOR.MINOR.PATCH (e.g. 1.0.0)"
            )
        return cls(*(int(g) for g in m.groups()))

    @classmethod
    def is_version(cls, text: str) -> bool:
        return bool(_VERSION.match(text))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def bumped(self, bump: Bump) -> "Version":
        """The next version after a step of this size (a larger part resets the smaller ones)."""
        if bump is Bump.MAJOR:
            return Version(self.major + 1, 0, 0)
        if bump is Bump.MINOR:
            return Version(self.major, self.minor + 1, 0)
        if bump is Bump.PATCH:
            return Version(self.major, self.minor, self.patch + 1)
        return self

    def successors(self) -> dict[Bump, "Version"]:
        """The three versions that may follow this one."""
        return {b: self.bumped(b) for b in (Bump.PATCH, Bump.MINOR, Bump.MAJOR)}


def step(previous: Version, new: Version) -> Bump | None:
    """The size of the step from ``previous`` to ``new``; None when ``new`` is not one of the
    three versions that may follow ``previous`` (a skipped number, or a patch number not reset)."""
    for bump, successor in previous.successors().items():
        if new == successor:
            return bump
    return None
