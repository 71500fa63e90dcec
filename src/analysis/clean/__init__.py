"""The cleaning step behind ``make data``: raw records in, published tables out.

The modules read in the order the data flows:

1. ``inputs``: the sources register and the archive of captured texts (hashes checked);
   ``analysis.reference`` gives the boundaries and the exchange rates;
2. ``raw``: the coded records, YAML and bulk CSV, read into one columnar form;
3. ``checks``: one function per check, each narrowing the live records and adding
   problems (``findings`` lists them as a record-by-record pass would);
4. ``phrases`` and ``readings``: each distinct date, place, count and amount read once
   by the normalisers (``helper`` reads them in a second process for large archives);
5. ``quotes``: every quote looked for in its source's text;
6. ``assemble``: records merged into incidents, and one function per published table;
7. ``publish``: typing, order, accounting, validation against the codebook, and the
   atomic write of the tables, their datapackage and MANIFEST.

Every problem found is reported together and nothing is written unless the whole build
succeeds. ``python -m analysis.build`` is the command line.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..problems import BuildError, Problem
from ..reference import Reference
from .assemble import Assembly, assemble
from .checks import check_records
from .helper import Helper, return_free_memory
from .inputs import read_register, parse_iso_date
from .phrases import check_money, collect_readings, request_phrase_readings
from .publish import AccountingError, Build, validate_tables, write_outputs
from .quotes import find_quotes
from .raw import RawRecords, read_raw_records
from .readings import Normalisers

__all__ = ["AccountingError", "Build", "BuildError", "current_date", "process", "run", "write_outputs"]

#: Columns of the raw records the published tables take (the others are dropped once checked).
ASSEMBLED_COLUMNS = ("record_id", "source", "context_type", "summary", "victim_group", "perpetrator", "coercion", "claimed_by",
                     "same_incident_as", "merge_reason", "overlaps", "total_of", "total_field", "exclusion_reason", "_file", "_line")


def run(
    raw_dir: Path = config.RAW_DIR,
    sources_dir: Path = config.SOURCES_DIR,
    reference_dir: Path = config.REFERENCE_DIR,
    processed_dir: Path | None = config.PROCESSED_DIR,
    today: dt.date | None = None,
    root: Path = config.PROJECT_ROOT,
    validate: bool = True,
) -> Build:
    """Build the dataset. Raises BuildError listing every problem; writes only on success.

    ``validate=False`` skips the last validation of the tables against the codebook's
    schemas: a guard against defects of the pipeline (the checks refuse every bad input
    before it), which a coder's ``--check`` that writes nothing can do without.
    """
    today = today or current_date()
    problems: list[Problem] = []
    reference = Reference(reference_dir)
    helper = Helper.for_archive(raw_dir, reference.boundaries_path)
    try:
        # load inputs
        sources, texts = read_register(raw_dir, sources_dir, root, problems, today)
        raw = read_raw_records(raw_dir, root)
        problems.extend(raw.problems)
        return_free_memory()
        rates = reference.rates(problems, root)
        regions = reference.region_status(problems, root)
        # process
        build = process(sources, texts, raw, rates, regions, today, problems, helper, _gazetteer(reference, regions))
        del raw, texts  # what the tables need is in them
        return_free_memory()
    finally:
        if helper is not None:
            helper.close()
    if problems or build is None:
        raise BuildError(problems)
    if validate:
        validate_tables(build.tables)
    # save outputs
    if processed_dir is not None:
        write_outputs(build, processed_dir)
    return build


def current_date() -> dt.date:
    """Today's date, or ``COERCION_TODAY`` when set (the date "in the future" is checked against)."""
    forced = os.environ.get("COERCION_TODAY")
    return dt.date.fromisoformat(forced) if forced else dt.date.today()


def _gazetteer(reference: Reference, regions: dict):
    """The place resolver's gazetteer of the build's boundaries (None when they cannot be read:
    that is a problem reported already, and nothing is written)."""
    if not regions:
        return None
    try:
        return reference.gazetteer()
    except (OSError, ValueError, KeyError):
        return None


def process(sources: pd.DataFrame, texts: dict[str, str], raw: RawRecords, rates: dict, regions: dict[str, tuple[str, str]],
            today: dt.date, problems: list[Problem], helper: Helper | None = None, gazetteer=None) -> Build | None:
    """Check and normalise the records and assemble the published tables.

    Each check runs over all records at once (a column at a time; each distinct phrase is
    read once) and stops the records a record-by-record pass would stop at it; the
    problems are listed in that pass's order. The tables are assembled only when no
    problem was found anywhere. The archived texts are released once the quotes are
    found (``texts`` is emptied).
    """
    norm = Normalisers(gazetteer)
    source_dates = {r.source_id: (parse_iso_date(r.published_date), r.published_precision) for r in sources.itertuples()}
    c = check_records(raw, source_dates, today, norm)
    pending = request_phrase_readings(c, norm, helper)
    amounts = check_money(c, norm)
    # The quotes and phrases are queued: the tables need only a few of the records' columns.
    raw.records = raw.records[[col for col in raw.records.columns if col in ASSEMBLED_COLUMNS]]
    evidence = find_quotes(c.quotes.table(), raw.records["source"], c.coded, texts, c.found)
    texts.clear()  # the archived texts are not needed any more
    readings = collect_readings(c, pending, norm)
    if helper is not None:
        helper.close()  # its work is done: its memory goes before the tables are made
    problems.extend(c.found.sorted())
    if problems:
        return None
    del pending, norm  # the phrases and parse caches are spent
    return_free_memory()
    a = Assembly(raw.records, np.flatnonzero(c.coded), c.kind, c.coded_on, readings, source_dates, regions, rates, problems)
    return assemble(a, c.rejected, amounts, evidence, c.redactor, sources)
