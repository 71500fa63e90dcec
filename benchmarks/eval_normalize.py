"""Share of evaluation phrases the normalisers read as a careful coder would.

Reads ``tests/fixtures/normalize_eval/dev.yaml`` and ``heldout.yaml`` (see the README
there: real-style phrases in English, Russian and Ukrainian with their expected
readings) and prints, for each set and each kind (dates, money, counts, places), how
many phrases were read correctly; with ``--failures``, the phrases read wrongly. For the
date phrases it also prints the share ``dateparser.parse`` gets right on the same phrases
(with the publication date as its ``RELATIVE_BASE``): a point it returns counts as right
when the expected reading is one closed span that contains it, or when both say "no
date". It cannot express a span or an open bound, so this is generous to it.

Run:  .venv/bin/python benchmarks/eval_normalize.py [--failures] [--set dev|heldout]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "normalize_eval"
SETS = ("dev", "heldout")
KINDS = ("date", "money", "count", "place")


def load(name: str) -> list[dict]:
    """The entries of one evaluation set (dates kept as text: the YAML is read as text)."""
    text = (EVAL_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=yaml.BaseLoader)  # every scalar a string: "2022-09" stays text


def _date(value: str | None) -> dt.date | None:
    return None if value in (None, "", "null", "~") else dt.date.fromisoformat(value)


def _number(value: str) -> float:
    return float(value)


def _same(actual: Any, expected: str | None, kind: str = "text") -> bool:
    if expected in (None, "null", "~"):
        return actual is None
    if actual is None:
        return False
    if kind == "date":
        return actual == _date(expected)
    if kind == "number":
        return abs(float(actual) - _number(expected)) < 1e-6
    return str(actual) == expected


_DATE_KEYS = {"start": "date", "end": "date", "precision": "text", "start_bound": "text", "end_bound": "text"}
_COUNT_KEYS = {"low": "number", "best": "number", "high": "number", "qualifier": "text"}
_MONEY_KEYS = {"amount": "number", "amount_high": "number", "currency": "text", "qualifier": "text", "usd": "number",
               "usd_qualifier": "text", "per": "text"}


def _fields_match(value: Any, expect: dict, keys: dict[str, str]) -> bool:
    for k, v in expect.items():
        if k in keys and not _same(getattr(value, k, None), v, keys[k]):
            return False
    return True


def judge(entry: dict) -> bool:
    """Whether the normaliser reads the entry's text as expected."""
    from analysis import normalize as n

    kind, text, expect = entry["kind"], entry["text"], entry.get("expect")
    if expect in ("null", "~", None):
        expect = None
    if kind == "date":
        got = n.parse_date(text, reference=entry.get("reference"))
        return got is None if expect is None else got is not None and _fields_match(got, expect, _DATE_KEYS)
    if kind == "count":
        got = n.parse_count(text)
        if expect is None or got is None:
            return got is None and expect is None
        breakdown = expect.get("breakdown")
        if breakdown is not None and [(k, int(v)) for k, v in breakdown] != [tuple(p) for p in getattr(got, "breakdown", ())]:
            return False
        return _fields_match(got, expect, _COUNT_KEYS)
    if kind == "money":
        kwargs = {"currency": entry["currency"]} if "currency" in entry else {}
        try:
            got = n.parse_money(text, **kwargs)
        except TypeError:  # a normaliser without the currency context
            got = n.parse_money(text) if not kwargs else None
        if expect is None or got is None:
            return got is None and expect is None
        equivalents = expect.get("equivalents")
        if equivalents is not None:
            have = [(e.currency, e.amount, e.qualifier) for e in getattr(got, "equivalents", ())]
            if have != [(c, float(a), q) for c, a, q in equivalents]:
                return False
        return _fields_match(got, expect, _MONEY_KEYS)
    if kind == "place":
        got = n.resolve_place(text)
        if expect is None:
            return not got
        codes = [p.code for p in got if not getattr(p, "group", None)]
        groups = [p.group for p in got if getattr(p, "group", None)]
        return codes == expect.get("codes", []) and groups == expect.get("groups", [])
    raise ValueError(f"unknown kind {kind!r} in {entry}")


def dateparser_judge(entry: dict) -> bool:
    """Whether ``dateparser.parse`` gives a point inside the expected closed span."""
    import dateparser

    expect = entry.get("expect")
    ref = entry.get("reference")
    settings = {"RELATIVE_BASE": dt.datetime.fromisoformat(ref)} if ref else {}
    try:
        got = dateparser.parse(entry["text"], languages=["en", "ru", "uk"], settings=settings)
    except Exception:  # noqa: BLE001 - a failure is a miss
        got = None
    if expect in (None, "null", "~"):
        return got is None
    start, end = _date(expect.get("start")), _date(expect.get("end"))
    return got is not None and start is not None and end is not None and start <= got.date() <= end


def evaluate(name: str, show_failures: bool = False, out=sys.stdout) -> dict[str, tuple[int, int]]:
    """{kind: (right, total)} for one set, printed; the failures too when asked."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    dp_right = 0
    for entry in load(name):
        kind = entry["kind"]
        total[kind] += 1
        ok = judge(entry)
        right[kind] += ok
        if kind == "date":
            dp_right += dateparser_judge(entry)
        if show_failures and not ok:
            print(f"  MISS {name} {kind}: {entry['text']!r} expected {entry.get('expect')}", file=out)
    all_right, all_total = sum(right.values()), sum(total.values())
    parts = ", ".join(f"{k} {right[k]}/{total[k]}" for k in KINDS if total[k])
    print(f"{name}: {all_right}/{all_total} = {all_right / all_total:.0%} read as expected ({parts}); "
          f"dateparser.parse on the same dates: {dp_right}/{total['date']} = {dp_right / max(total['date'], 1):.0%}", file=out)
    result = {k: (right[k], total[k]) for k in total}
    result["all"] = (all_right, all_total)
    result["dateparser"] = (dp_right, total["date"])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the phrases read wrongly")
    parser.add_argument("--set", choices=SETS, action="append", help="only this set (repeatable)")
    args = parser.parse_args(argv)
    for name in args.set or SETS:
        evaluate(name, args.failures)


if __name__ == "__main__":
    main()
