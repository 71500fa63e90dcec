"""Problems found in the inputs, reported together.

A build collects every problem it finds before it stops, so a coder fixes a file in one
pass instead of one error per run. Each problem names the file (and line), the record,
the field, the value and what would have been accepted.
"""

from __future__ import annotations

import functools
import os
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
    s = _brief(value)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _brief(value: object, depth: int = 3, items: int = 6) -> str:
    """repr() that looks at a bounded part of nested values.

    A hostile YAML file can alias one list into itself level after level ("billion
    laughs"): the parsed value is small in memory, but its full repr has billions of
    items. Only the first few items of the first few levels are shown.
    """
    if isinstance(value, (list, tuple)):
        if depth == 0:
            return "[...]"
        shown = [_brief(v, depth - 1, items) for v in value[:items]]
        return "[" + ", ".join(shown + (["..."] if len(value) > items else [])) + "]"
    if isinstance(value, dict):
        if depth == 0:
            return "{...}"
        shown = [f"{_brief(k, 0, items)}: {_brief(v, depth - 1, items)}" for k, v in list(value.items())[:items]]
        return "{" + ", ".join(shown + (["..."] if len(value) > items else [])) + "}"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    return f"<{type(value).__name__}>"


class BuildError(Exception):
    """Raised with every problem of a build; nothing has been written when it is raised."""

    def __init__(self, problems: list[Problem]):
        # str(): a YAML key may be a number, and numbers and text do not sort together.
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line or 0, str(p.record or ""), str(p.field or "")))
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
        # The path as given first: a link is named as the coder sees it, not by its target
        # (which may be missing, or loop back to itself).
        plain = os.path.abspath(p)
        for base in _bases(os.path.abspath(root)):
            # A bulk import names tens of thousands of files: a plain prefix is enough for them.
            if plain.startswith(base) and plain[len(base):len(base) + 1] == os.sep and len(plain) > len(base) + 1:
                return plain[len(base) + 1:]
        plain = Path(plain)
        for base in (Path(os.path.abspath(root)), Path(root).resolve()):
            try:
                return str(plain.relative_to(base))
            except ValueError:
                pass
        try:
            return str(p.resolve().relative_to(Path(root).resolve()))
        except (ValueError, OSError, RuntimeError):
            pass
    return str(p)


@functools.lru_cache(maxsize=8)
def _bases(root: str) -> tuple[str, ...]:
    # Resolving the root walks its links on disk: once per root, not once per file.
    bases = (root, os.fspath(Path(root).resolve()))
    return tuple(b for b in dict.fromkeys(bases) if b != os.sep)


def irregular(path: Path | str) -> str | None:
    """Why ``path`` is not a regular file to read (a FIFO would block the reader forever,
    a device never end), or None when it is one. A link is followed to its target."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "not found"
    except OSError as e:
        return f"cannot be read: {e.strerror}"
    if stat.S_ISREG(mode):
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
    return f"not a regular file: {kind}"
