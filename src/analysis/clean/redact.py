"""Withholding restricted names and identifying details from published text."""

from __future__ import annotations

import re

WITHHELD = "[withheld]"


def redact(text: str | None, secrets: list[str]) -> str | None:
    if text is None or not secrets:
        return text
    for s in sorted(secrets, key=len, reverse=True):
        # Whole words only: the pseudonym "Anuar" must not eat into "January".
        text = re.sub(rf"(?<!\w){re.escape(s)}(?!\w)", WITHHELD, text, flags=re.IGNORECASE)
    return text
