"""Problems found in the inputs, reported together.

A build collects every problem it finds before it stops, so a coder fixes a file in one
pass instead of one error per run. Each problem names the file (and line), the record,
the field, the value and what would have been accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    record: str | None = None
    field: str | None = None
    value: object = None
    accepted: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field '{self.field}'")
        head = ", ".join(parts)
        text = f"{head}: {self.message}"
        if self.value is not None:
            text += f" (value: {_show(self.value)})"
        if self.accepted:
            text += f"; accepted: {self.accepted}"
        return text


def _show(value: object, limit: int = 120) -> str:
    s = repr(value) if not isinstance(value, str) else repr(value)
    return s if len(s) <= limit else s[: limit - 3] + "..."


class BuildError(Exception):
    """Raised with every problem of a build; nothing has been written when it is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.record or "", p.field or ""))
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found; nothing was written:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def rel(path: Path | str, root: Path | None = None) -> str:
    """A path as users see it: relative to the project root when inside it."""
    p = Path(path)
    if root is not None:
        try:
            return str(p.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(p)
