"""Small pieces of the cleaning step's readers, on inline data."""

from __future__ import annotations

import sys

from analysis.clean.raw.text import WHITESPACE, find_control


def test_the_whitespace_written_out_is_pythons():
    assert set(WHITESPACE) == {chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()}


def test_control_characters_are_named_by_code_point():
    assert find_control("six\u202emen") == "U+202E"
    assert find_control("a\tb\nc") is None
