"""Data tests: the published tables in data/processed, as an analyst uses them, hold for ANY valid dataset.

They load with the codebook's columns, their key figures agree with each other and with the
counts by period, and every figure draws from them with its size, source line, legible text
and alt text. `make test` builds data/processed first; a missing build fails, never skips.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from analysis import aggregate, codebook, load
from analysis import figures as F
from fixtures.figure_checks import FIGURES, check_frame, figure_calls

@pytest.fixture(scope="module")
def published(real_processed_dir) -> dict:
    return load.load_all(real_processed_dir)


def test_every_published_table_loads_with_the_codebook_columns(published):
    assert sorted(published) == sorted(codebook.TABLES)
    for name, df in published.items():
        assert list(df.columns) == codebook.TABLES[name].columns, name


def test_key_figures_agree_with_the_events_and_the_counts_by_period(published):
    inc = published["incidents"]
    kf = aggregate.key_figures(inc, published["sources"], published["amounts"])
    assert kf["n_incidents"] + kf["n_practices"] + kf["n_context"] == len(inc)
    assert kf["persons_low"] <= kf["persons_best"] <= kf["persons_high"]
    quarters = aggregate.by_period(inc, "quarter", include_undated=True)
    assert quarters["persons_best"].sum() == pytest.approx(kf["persons_best"])


@pytest.fixture(scope="module")
def boundaries() -> tuple:
    return load.load_regions(), load.load_countries()


@pytest.fixture(autouse=True)
def _house_style():
    F.use_house_style()
    yield
    plt.close("all")


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_draws_from_the_published_tables(name, published, boundaries):
    fig = figure_calls(published, *boundaries)[name](width=F.PRINT_WIDTH)
    if isinstance(fig, F.Sentence):  # one or two values: a sentence (and a small table), not a chart
        assert fig.text.strip()
        return
    check_frame(fig, F.PRINT_WIDTH, len(published["sources"]))
