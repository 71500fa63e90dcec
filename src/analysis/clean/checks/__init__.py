"""The checks of the coded records, in the order a record's problems are listed.

Each check is one function over all records at once (a column at a time): it adds the
problems it finds to ``Checking.found`` and narrows the records later checks look at,
as a record-by-record pass would stop at a record's first fatal problem. What the
checks learn (which records are coded or excluded, each record's kind, the restricted
values) is kept on the ``Checking`` state for the steps that follow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from ..findings import Findings
from ..quotes import QuoteQueue
from ..raw import RawRecords
from ...redact import Redactor
from . import identity, keys, provenance, references, restricted


@dataclass
class Checking:
    """The records under check, and what the checks have learnt of them so far."""

    raw: RawRecords
    source_dates: dict[str, tuple[dt.date | None, str]]  # source id -> (publication date, its precision)
    today: dt.date
    found: Findings
    quotes: QuoteQueue = field(default_factory=QuoteQueue)
    norm: object = None  # the build's normalisers (readings.Normalisers), when a check must read a phrase
    alive: np.ndarray | None = None  # records still checked (not stopped by a fatal problem)
    ids: pa.Array | None = None  # well-formed, unique ids: what references may name
    redactor: Redactor | None = None  # every restricted value of every record
    status: pd.Series | None = None
    coded: np.ndarray | None = None  # coded records (not excluded), still alive
    rejected: np.ndarray | None = None  # positions of the excluded records, with their reason
    kind: pd.Series | None = None  # event_kind of the coded records (missing where unknown)
    is_context: np.ndarray | None = None
    coded_on: tuple[np.ndarray, list] | None = None  # (code of each record's coded_on, the distinct dates + None)

    @property
    def recs(self) -> pd.DataFrame:
        return self.raw.records

    def has(self, name: str) -> np.ndarray:
        return self.recs[name].notna().to_numpy()


#: The checks, in the order of a record's keys.
CHECKS = (
    identity.check_ids,
    provenance.check_source,
    provenance.check_control_characters,
    restricted.collect_restricted_values,
    provenance.check_status,
    provenance.check_evidence_quotes,
    provenance.check_exclusion,
    keys.check_required,
    keys.check_event_kind,
    keys.check_context_type,
    keys.check_vocabularies,
    keys.check_coded_on,
    restricted.check_summary,
    references.check_references,
    references.check_reference_targets,
    references.check_merge_reason,
    references.check_total_of,
    references.check_total_field,
    references.check_figure_kind,
    restricted.check_phrases,
    restricted.check_evidence_fields,
)


def check_records(raw: RawRecords, source_dates: dict, today: dt.date, norm=None) -> Checking:
    """Run every check over the records; the problems are in ``found``. ``norm``: the build's
    normalisers (with its reference boundaries), for the checks that read a phrase."""
    checking = Checking(raw, source_dates, today, Findings(raw), norm=norm)
    for check in CHECKS:
        check(checking)
    return checking
