"""Reading hand-written files as text: size limit, UTF-8, and characters text may not hold."""

from __future__ import annotations

import re
from pathlib import Path


from ...problems import Problem, irregular

#: A raw file larger than this is refused: split it (hand-written files are far smaller).
MAX_RAW_FILE_BYTES = 50 * 1024 * 1024


def read_bytes(path: Path, shown: str, problems: list[Problem]) -> bytes | None:
    try:
        size = path.stat().st_size
    except OSError as e:
        problems.append(Problem(shown, f"cannot read the file: {e.strerror}"))
        return None
    if why := irregular(path):
        problems.append(Problem(shown, why, accepted="a regular file (not a FIFO, device or folder)"))
        return None
    if size > MAX_RAW_FILE_BYTES:
        problems.append(
            Problem(shown, f"the file is {size / 1e6:.1f} MB, over the {MAX_RAW_FILE_BYTES // 2**20} MiB limit for one raw file",
                    accepted="split it into several files (one per source, or per batch)")
        )
        return None
    try:
        return path.read_bytes()
    except OSError as e:
        problems.append(Problem(shown, f"cannot read the file: {e.strerror}", accepted="a readable file"))
        return None


def decode(data: bytes, shown: str, problems: list[Problem]) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(shown, f"not valid UTF-8: byte 0x{data[e.start]:02x} at offset {e.start}", line=line,
                    accepted="UTF-8 text (re-save the file as UTF-8)")
        )
        return None
    if not text.strip():
        problems.append(Problem(shown, "the file is empty", accepted="a list of records, or delete the file"))
        return None
    return text


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file; a leading byte-order mark is accepted (spreadsheets write one)."""
    data = read_bytes(path, shown, problems)
    return None if data is None else decode(data, shown, problems)


# C0 and C1 controls (tab and line breaks aside), Unicode line and paragraph separators
# (line-based tools split on them) and bidirectional overrides, which make text display
# differently from what it says.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same class for Arrow's regular expressions (RE2), to find the cells to look at.
CONTROL_RE2 = r"[\x{0}-\x{8}\x{b}\x{c}\x{e}-\x{1f}\x{7f}-\x{9f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]"


SURROGATE = re.compile("[\ud800-\udfff]")


def find_control(text: str) -> str | None:
    m = CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


#: The characters str.split() and str.strip() take for whitespace (Python's str.isspace,
#: written out: finding them takes a pass over all of Unicode, a third of a coder's check).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
