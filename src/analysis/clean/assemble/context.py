"""What the table builders share: the checked records and their readings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ...columnar import as_text
from ...problems import Problem


@dataclass
class Assembly:
    """The checked records the published tables are made of.

    ``parsed`` holds the positions of the coded records in reading order; ``ids`` their
    record ids in that order. A reading is looked up by field and record position.
    """

    recs: pd.DataFrame
    parsed: np.ndarray
    kind: pd.Series  # event_kind of each record (by position)
    coded_on: tuple[np.ndarray, list]  # (code of each record's coded_on, the distinct dates)
    readings: dict[str, tuple[np.ndarray, list]]  # field -> (code of each record's reading or -1, the readings)
    source_dates: dict[str, tuple[dt.date | None, str]]
    regions: dict[str, tuple[str, str]]
    rates: dict
    problems: list[Problem]

    def __post_init__(self):
        self.ids = self.recs["record_id"].iloc[self.parsed].reset_index(drop=True)
        self.ids_arrow = as_text(self.ids)
        self.lines = self.recs["_line"].to_numpy()

    def reading(self, key: str, p: int):
        """The reading of field ``key`` of the record at position ``p`` (None when it has none)."""
        code, results = self.readings[key]
        return results[code[p]] if code[p] >= 0 else None

    def own(self, name: str, rows: np.ndarray) -> pd.Series:
        """A column of the raw records at positions ``rows``, indexed from 0."""
        return self.recs[name].iloc[rows].reset_index(drop=True)


#: The date columns of an incident without a usable date (a date reading holds them in this order).
NO_DATE = {"date_start": None, "date_end": None, "date_precision": "unknown", "date_start_bound": "open", "date_end_bound": "open"}


def text_array(values) -> pa.Array:
    return as_text(values)
