"""Reading the hand-written inputs in ``data/raw/incidents/``.

Coders write records in YAML (one file per source, pleasant to review in a diff) or, for
bulk imports, in a flat CSV with one column per key. Both are read into the same columnar
form (:class:`RawRecords`): a table of records with one text column per key, plus tables
of money amounts and extra evidence quotes. Every value keeps the line it came from, so
problems can name it.
"""

from __future__ import annotations

from pathlib import Path

from ...problems import Problem, irregular, rel
from .csv_records import read_csv_records
from .form import FLAT_COLUMNS, RECORD_COLUMNS, RawRecords, Reading
from .text import CONTROL_RE2, find_control, read_text
from .yaml_records import read_yaml

__all__ = ["CONTROL_RE2", "FLAT_COLUMNS", "RECORD_COLUMNS", "RawRecords", "find_control", "read_raw_records", "read_text"]


def read_raw_records(raw_dir: Path, shown_root: Path | None = None) -> RawRecords:
    """Read every ``*.yaml``/``*.yml``/``*.csv`` file under ``raw_dir/incidents`` in name order."""
    out = Reading()
    folder = raw_dir / "incidents"
    entries = sorted((p for p in folder.glob("*") if not p.name.startswith(".")), key=lambda p: p.name)
    if not entries:
        out.problems.append(Problem(rel(folder, shown_root), "no record files found", accepted="*.yaml or *.csv files"))
    for path in entries:
        shown = rel(path, shown_root)
        if why := irregular(path):
            # A folder, a link to nothing, a FIFO: skipping it could drop records without a word.
            what = "a link whose target is missing" if why == "not found" else why.removeprefix("not a regular file: ")
            out.problems.append(Problem(shown, f"not a file ({what})",
                                        accepted="*.yaml or *.csv files directly in the records folder"))
        elif path.suffix in (".yaml", ".yml"):
            read_yaml(path, shown, out)
        elif path.suffix == ".csv":
            read_csv_records(path, shown, out)
        elif path.name.lower() in ("readme.md", "readme"):
            continue
        else:
            out.problems.append(Problem(shown, f"unexpected file type {path.suffix!r} in the records folder",
                                        accepted=".yaml, .yml or .csv (move other files elsewhere)"))
    return out.result()
