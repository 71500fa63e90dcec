"""Benchmark of the redactor on one million text cells.

The cells are SYNTHETIC sentences in the style of the evidence quotes (English, Russian
and Ukrainian), each distinct, about 110 characters long; one in two hundred names one
of the restricted values in some spelling (another case ending, a no-break space, a soft
hyphen, the surname alone). The restricted values are made-up names.

Run:  .venv/bin/python benchmarks/bench_redact.py [--rows 1000000] [--names 4,200] [--seed 0]

Prints, for each number of restricted names (a short list is narrowed with one regular
expression, a long one with a hash of every word): the time to build the redactor, the
time to narrow the column to its candidate cells, the time to match those word by word,
the cells found, and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import pyarrow as pa

from analysis.redact import Listing, Redactor

SENTENCES = [
    "Officers detained {n} men at a checkpoint near {town} and told them to sign contracts{name}.",
    "In {month} {year}, the relatives of {n} activists were expelled from the republic{name}.",
    "Сотрудники задержали {n} человек в {town_ru} и потребовали подписать контракт{name_ru}.",
    "Родичі {n} активістів були вислані з республіки у {year} році{name_ru}.",
    "A bonus of {n},000 rubles was promised to those who signed before {month}{name}.",
]
TOWNS = ["Grozny", "Melitopol", "Gudermes", "Argun", "Shali", "Kazan", "Ufa", "Makhachkala", "Nalchik", "Nazran"]
TOWNS_RU = ["Грозном", "Мелитополе", "Гудермесе", "Аргуне", "Казани", "Уфе", "Махачкале", "Нальчике"]
MONTHS = ["January", "March", "April", "June", "September", "October", "December"]
SYLLABLES = ["ka", "ru", "zhi", "vo", "len", "bek", "mur", "tas", "dor", "gul", "sha", "nov", "rin", "lam", "tov"]


def made_up_names(n: int, rng: random.Random) -> list[str]:
    def word(k):
        return "".join(rng.choice(SYLLABLES) for _ in range(k)).title()
    return [f"{word(3)} {word(3)}ov" for _ in range(n)]


def spelled(name: str, rng: random.Random) -> tuple[str, str]:
    """An English and a Russian spelling of a name, in one of the spellings the redactor must see through."""
    given, surname = name.split()
    english = rng.choice([name, name.upper(), f"{given}\u00a0{surname}", surname, surname[:3] + "\u00ad" + surname[3:]])
    return english, rng.choice([surname, name])  # the Russian sentences carry the Latin spelling too


def cells(rows: int, names: list[str], rng: random.Random) -> pa.Array:
    out = []
    for i in range(rows):
        named = rng.random() < 0.005
        en, ru = spelled(rng.choice(names), rng) if named else ("", "")
        out.append(rng.choice(SENTENCES).format(
            n=i, town=rng.choice(TOWNS), town_ru=rng.choice(TOWNS_RU), month=rng.choice(MONTHS), year=2022 + i % 4,
            name=f"; among them was {en}" if named else "", name_ru=f"; среди них {ru}" if named else ""))
    return pa.array(out, pa.large_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--names", default="4,200", help="numbers of restricted names to time, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'names':>6} {'anchors':>8} {'build (s)':>10} {'narrow (s)':>11} {'match (s)':>10} {'candidates':>11} "
          f"{'found':>8} {'rows/s':>11} {'peak MB':>8}")
    for n in (int(x) for x in args.names.split(",")):
        rng = random.Random(args.seed)
        names = made_up_names(n, rng)
        texts = cells(args.rows, names, rng)
        t0 = time.perf_counter()
        redactor = Redactor([Listing(v, "victim_names", "synthetic.csv", 2, f"R{i}") for i, v in enumerate(names)])
        t1 = time.perf_counter()
        at = redactor.candidates(texts)
        t2 = time.perf_counter()
        found = {i: h for i, t in zip(at.tolist(), texts.take(at).to_pylist()) if (h := redactor.hits(t))}
        t3 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>6} {len(redactor._anchors) // 2:>8} {t1 - t0:>10.2f} {t2 - t1:>11.2f} {t3 - t2:>10.2f} {len(at):>11,} "
              f"{len(found):>8,} {args.rows / (t3 - t1):>11,.0f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
