"""Benchmarks of the normalisers: columns of a million phrases, dates against dateparser,
and the coder's check at seed scale.

The phrases are SYNTHETIC: about 2,000 distinct phrases per normaliser, built from
templates in the style of reporting ("about 300 men", "1,5 млн рублей", "в сентябре 2022
года", "в Мелітополі"), repeated to one million rows with a Zipf-like skew, since real
columns repeat a few phrases many times. Each normaliser should cost what its distinct
phrases cost, not what its rows cost.

Run:  .venv/bin/python benchmarks/bench_normalize.py [--rows 1000000] [--seed 0]
      .venv/bin/python benchmarks/bench_normalize.py --dates-vs-dateparser [--rows 5000]
      .venv/bin/python benchmarks/bench_normalize.py --check-time [--runs 5]

The first prints, for each of count_table, money_table, date_table (per-row publication
dates) and place_table: rows, distinct phrases, seconds, rows per second, and the
process's peak resident memory after the step (it includes loading the normalisers'
tables on first use, which happens inside the timed steps).

``--dates-vs-dateparser`` reads one column of real-style date phrases (the date phrases
of the evaluation sets, tests/fixtures/normalize_eval, and the templates below, each
with a publication date, repeated with a Zipf-like skew) row by row with
``parse_date`` and with ``dateparser.parse`` (RELATIVE_BASE = the publication date), in
one run: the time of each, their ratio, and how often they agree (dateparser's point
inside the span, or both without a date). On the annotated evaluation phrases it also
gives each one's share of readings a careful coder would give.

``--check-time`` times ``python -m analysis.build --check`` on the seed data, whole
process, the median of several runs with the normalisers' disk cache warm, and one run
with it empty (the first check after an update of the alias tables or the libraries).
``dates_vs_dateparser()`` and ``check_time()`` are what ``make bench`` (benchmarks/run.py)
calls for its "Normalisers" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.normalize import count_table, date_table, money_table, place_table

COUNT_TEMPLATES = [
    "{n} men", "about {n} men", "approximately {n} Ukrainian men", "at least {n} prisoners",
    "up to {n} conscripts", "more than {n:,} people", "{n}-{m} detainees", "between {n} and {m} migrants",
    "около {n} человек", "не менее {n} человек", "понад {n} осіб", "{n} 000 мобилизованных", "upwards of {n:,}",
    "{w} men", "{w} of the men", "several members", "dozens of men", "hundreds of prisoners", "aged {n} to {m}",
]
WORDS = ["one", "two", "three", "four", "five", "six", "seven", "thirty", "twenty-five", "семеро", "двое"]
MONEY_TEMPLATES = [
    "{n:,} rubles", "{n} 000 ₽", "${n:,}", "€{n}", "{f} million rubles (over ${n:,})", "{f} млн рублей",
    "{n} тыс. грн", "${n:,}-{m:,}", "up to {n:,} roubles", "около {n} тысяч рублей", "a bonus of {n:,} rubles",
]
DATE_TEMPLATES = [
    "in {y}", "in the fall of {y}", "early {mon} {y}", "late {mon} {y}", "On {d} {mon}", "back in {mon} {y}",
    "since {y}", "before {mon} {d}, {y}", "between {mon} {d} and {mon2} {d2}, {y}", "в {ru_mon} {y} года",
    "осенью {y} года", "у листопаді {y}", "last year", "on {d} {mon}", "{d}.{mm:02d}.{y}",
]
MONTHS = ["January", "February", "March", "April", "June", "July", "September", "October", "November", "December"]
RU_MONTHS = ["январе", "феврале", "марте", "апреле", "сентябре", "октябре", "ноябре", "декабре"]
PLACE_TEMPLATES = [
    "{p}", "in {p}", "the {p} region", "occupied {p}", "{p} and {q} regions", "в {ru}", "{town}", "in {town}, {p}",
    "the village of {town}", "Vladimir Putin", "North Caucasus SOS", "Central Asian countries",
]
PLACES = ["Chechnya", "Kherson", "Zaporizhzhia", "Crimea", "Rostov", "Moscow", "Novosibirsk", "Dagestan", "Kursk",
          "Belgorod", "Luhansk", "Donetsk", "Yakutia", "Buryatia", "Tuva", "Bashkortostan", "Tatarstan", "Perm"]
RU_PLACES = ["Чечне", "Крыму", "Запорожской области", "Мелітополі", "Херсонщині", "Якутии", "Дагестане", "Москве"]
TOWNS = ["Grozny", "Melitopol", "Achkhoy-Martan", "Gudermes", "Argun", "Shali", "Mariupol", "Berdyansk", "Simferopol",
         "Kazan", "Ufa", "Ulan-Ude", "Kyzyl", "Makhachkala", "Nalchik", "Vladikavkaz", "Magas", "Nazran"]


def _phrases(kind: str, rng: random.Random, distinct: int) -> list[str]:
    out: set[str] = set()
    attempts = 0
    while len(out) < distinct and attempts < distinct * 50:
        attempts += 1
        n, m = sorted(rng.sample(range(1, 2000), 2))
        values = dict(
            n=n, m=m, w=rng.choice(WORDS), f=rng.choice(["1.5", "2", "1,5", "3.2", "10.5"]),
            y=rng.randint(2014, 2025), d=rng.randint(1, 28), d2=rng.randint(1, 28), mm=rng.randint(1, 12),
            mon=rng.choice(MONTHS), mon2=rng.choice(MONTHS), ru_mon=rng.choice(RU_MONTHS),
            p=rng.choice(PLACES), q=rng.choice(PLACES), ru=rng.choice(RU_PLACES), town=rng.choice(TOWNS),
        )
        templates = {"count": COUNT_TEMPLATES, "money": MONEY_TEMPLATES, "date": DATE_TEMPLATES, "place": PLACE_TEMPLATES}[kind]
        out.add(rng.choice(templates).format(**values))
    return sorted(out)


def _column(phrases: list[str], rows: int, rng: np.random.Generator) -> pd.Series:
    weights = 1.0 / np.arange(1, len(phrases) + 1) ** 0.8  # Zipf-like: a few phrases dominate
    idx = rng.choice(len(phrases), size=rows, p=weights / weights.sum())
    return pd.Series(np.asarray(phrases, dtype=object)[idx], dtype=object)


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _eval_date_entries() -> list[dict]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import eval_normalize

    return [e for name in eval_normalize.SETS for e in eval_normalize.load(name) if e["kind"] == "date"]


def date_column(rows: int, seed: int = 0) -> tuple[list[str], list[dt.date]]:
    """Real-style date phrases with publication dates: the evaluation phrases and the
    templates, repeated with a Zipf-like skew to ``rows`` rows."""
    rng = random.Random(seed)
    default_ref = dt.date(2024, 10, 2)
    pairs = [(e["text"], dt.date.fromisoformat(e["reference"]) if "reference" in e else default_ref) for e in _eval_date_entries()]
    pairs += [(p, default_ref - dt.timedelta(days=rng.randint(0, 700))) for p in _phrases("date", rng, 300)]
    order = np.random.default_rng(seed).choice(len(pairs), size=rows, p=(w := 1.0 / np.arange(1, len(pairs) + 1) ** 0.8) / w.sum())
    return [pairs[i][0] for i in order], [pairs[i][1] for i in order]


def _point_in(span, point) -> bool:
    if span is None or point is None:
        return span is None and point is None
    d = point.date()
    return (span.start is None or span.start <= d) and (span.end is None or d <= span.end)


def dates_vs_dateparser(rows: int = 5000, seed: int = 0) -> dict:
    """The date normaliser and dateparser.parse on the same column, row by row."""
    import dateparser

    from analysis.normalize import dates as dates_module
    from analysis.normalize import parse_date

    texts, refs = date_column(rows, seed)
    parse_date("in 2023")  # load the vocabulary before the clock starts, as dateparser below
    dateparser.parse("2023", languages=["en", "ru", "uk"])
    dates_module._parse_date.cache_clear()
    dates_module._parse_date_alone.cache_clear()
    start = time.perf_counter()
    ours = [parse_date(t, reference=r) for t, r in zip(texts, refs)]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = []
    for t, r in zip(texts, refs):
        try:
            theirs.append(dateparser.parse(t, languages=["en", "ru", "uk"], settings={"RELATIVE_BASE": dt.datetime.combine(r, dt.time())}))
        except Exception:  # noqa: BLE001 - a failure is no date
            theirs.append(None)
    theirs_s = time.perf_counter() - start
    agree = sum(_point_in(a, b) for a, b in zip(ours, theirs))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import eval_normalize

    entries = _eval_date_entries()
    return {
        "rows": rows, "distinct": len(set(zip(texts, refs))),
        "ours_s": round(ours_s, 3), "dateparser_s": round(theirs_s, 3), "ratio": round(theirs_s / max(ours_s, 1e-9), 1),
        "agree": agree, "ours_dates": sum(x is not None for x in ours), "dateparser_dates": sum(x is not None for x in theirs),
        "eval_phrases": len(entries), "eval_ours_right": sum(eval_normalize.judge(e) for e in entries),
        "eval_dateparser_right": sum(eval_normalize.dateparser_judge(e) for e in entries),
        "measured": dt.datetime.now().isoformat(timespec="seconds"),
    }


def check_time(runs: int = 5, project: Path | None = None) -> dict:
    """Whole-process wall time of ``python -m analysis.build --check`` on the seed data."""
    import os
    import statistics
    import subprocess
    import tempfile

    project = project or Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "analysis.build", "--check"]

    def once(env: dict) -> tuple[float, float]:
        """(wall seconds, CPU seconds of the child: user + system)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, cwd=project, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    env = dict(os.environ)
    once(env)  # warm: the disk cache and the operating system's file cache
    load = os.getloadavg()[0]
    warm = [once(env) for _ in range(runs)]
    with tempfile.TemporaryDirectory() as empty:
        cold = once({**env, "COERCION_CACHE_DIR": empty})
    walls, cpus = [w for w, _ in warm], [c for _, c in warm]
    return {"runs": runs, "median_s": round(statistics.median(walls), 2), "min_s": round(min(walls), 2),
            "max_s": round(max(walls), 2), "median_cpu_s": round(statistics.median(cpus), 2),
            "cold_cache_s": round(cold[0], 2), "cold_cache_cpu_s": round(cold[1], 2),
            "load_average": round(max(load, os.getloadavg()[0]), 1), "measured": dt.datetime.now().isoformat(timespec="seconds")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="rows per column (default: 1,000,000; 5,000 with --dates-vs-dateparser)")
    parser.add_argument("--distinct", type=int, default=2000, help="distinct synthetic phrases per normaliser")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dates-vs-dateparser", action="store_true", help="the date normaliser against dateparser.parse")
    parser.add_argument("--check-time", action="store_true", help="time python -m analysis.build --check on the seed data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.dates_vs_dateparser:
        r = dates_vs_dateparser(args.rows or 5000, args.seed)
        print(f"{r['rows']:,} date phrases ({r['distinct']:,} distinct with their publication dates), row by row:")
        print(f"  parse_date       {r['ours_s']:8.2f} s  {r['ours_dates']:,} rows with a date")
        print(f"  dateparser.parse {r['dateparser_s']:8.2f} s  {r['dateparser_dates']:,} rows with a date  ({r['ratio']}x the time)")
        print(f"  agreement: {r['agree']:,} of {r['rows']:,} rows ({r['agree'] / r['rows']:.0%})")
        print(f"  annotated phrases read right: parse_date {r['eval_ours_right']}/{r['eval_phrases']}, "
              f"dateparser {r['eval_dateparser_right']}/{r['eval_phrases']}")
        return
    if args.check_time:
        r = check_time(args.runs)
        print(f"python -m analysis.build --check: median {r['median_s']} s wall, {r['median_cpu_s']} s CPU, of {r['runs']} runs "
              f"(min {r['min_s']}, max {r['max_s']}); with an empty cache {r['cold_cache_s']} s ({r['cold_cache_cpu_s']} s CPU); "
              f"load average {r['load_average']}")
        return
    args.rows = args.rows or 1_000_000
    rng = random.Random(args.seed)
    nrng = np.random.default_rng(args.seed)

    print(f"SYNTHETIC benchmark: {args.rows:,} rows per column, phrases from templates (see module docstring)")
    print(f"{'normaliser':<12} {'rows':>10} {'distinct':>9} {'seconds':>8} {'rows/s':>12} {'peak RSS MB':>12}")
    total = 0.0
    for kind, func in (("count", count_table), ("money", money_table), ("date", date_table), ("place", place_table)):
        column = _column(_phrases(kind, rng, args.distinct), args.rows, nrng)
        distinct = column.nunique()
        kwargs = {}
        if kind == "date":
            # One publication date per row, tied to the phrase as it is in real data
            # (a phrase comes from an article): distinct (phrase, date) pairs ~ phrases.
            refs = [dt.date(2023, 1, 1) + dt.timedelta(days=7 * (zlib.crc32(p.encode()) % 100)) for p in column.unique()]
            kwargs["reference"] = column.map(dict(zip(column.unique(), refs)))
        start = time.perf_counter()
        table = func(column, **kwargs)
        seconds = time.perf_counter() - start
        total += seconds
        assert len(table) == args.rows
        print(f"{func.__name__:<12} {args.rows:>10,} {distinct:>9,} {seconds:>8.2f} {args.rows / seconds:>12,.0f} {_peak_rss_mb():>12,.0f}")
    print(f"{'all four':<12} {4 * args.rows:>10,} {'':>9} {total:>8.2f} {4 * args.rows / total:>12,.0f} {_peak_rss_mb():>12,.0f}")


if __name__ == "__main__":
    main()
