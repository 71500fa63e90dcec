"""Build the report: the data-driven pieces, then the HTML and the PDF.

The modules read in the order the work flows:

1. :mod:`~analysis.report.generate` writes what the report's sources take from the data:
   ``reports/_variables.yml`` (key figures for ``{{< var name >}}``) and
   ``reports/_generated/`` (codebook, sources, region profiles, reproducibility stamp, and
   the date, edition and summary of findings, written by :mod:`~analysis.report.summary`).
   :mod:`~analysis.report.editions` stages the edition without the claims of parties to
   the conflict, a copy of the project embedding the notebooks executed without them.
2. :mod:`~analysis.report.preprocess` is the built-in renderer's Quarto subset
   (docs/quarto-subset.md): it expands includes and the ``var`` and ``embed`` shortcodes
   of ``reports/report.qmd`` into plain pandoc Markdown.
3. :mod:`~analysis.report.render` renders with Quarto when ``quarto`` is on the PATH, else
   with pandoc (the project's Lua filters and the built-in cross-references) and typst.
   Outputs are written to a temporary file and moved into ``reports/output/`` only when
   complete.
4. :mod:`~analysis.report.inspect` checks the outputs: headless Chromium on the HTML, the
   text of the PDF.

:mod:`~analysis.report.cli` is ``python -m analysis.report``.

Two builds from the same inputs are byte-identical: media files are named after the
notebook and label, images are embedded as base64, no writer adds a random id, and the
PDF's dates come from the latest coding date in the data (or SOURCE_DATE_EPOCH).
"""

from __future__ import annotations


class ReportError(RuntimeError):
    """A report source, notebook or tool did not give what the report needs."""
