"""The report's two editions: with every figure, and without the claims of parties to the conflict.

The full edition is the Quarto project ``reports/`` itself, embedding the notebooks of
``build/notebooks/`` and written to ``reports/output/report.html`` and ``report.pdf``.

The edition without claims (`make report EXCLUDE_PARTY_CLAIMS=1`, ``python -m
analysis.report --exclude-party-claims``) is the same report computed without every row
whose figures are claims of a party to the conflict. Its notebooks are executed with
``exclude_party_claims=True`` into ``build/notebooks-without-claims/``; its variables,
summary and generated sections are computed without those rows; its title says so; and it
is written to ``reports/output/report-without-claims.html`` and ``.pdf``, so the two
editions coexist.

Quarto has no switch that would serve here: its ``params`` reach only documents whose code
it executes (the report's notebooks are executed by papermill beforehand), and an
``embed`` shortcode's path cannot come from a variable or a profile. So the edition is a
staged copy of the project, ``build/report-without-claims/project/``: the report's sources
as they are, except that each ``embed`` path into ``build/notebooks/`` points at the same
notebook in ``build/notebooks-without-claims/``. Both renderers render it like
``reports/`` (after ``--sources-only``, ``quarto render build/report-without-claims/project/``
works too).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from analysis import config
from analysis.report import ReportError

#: What of the project folder the staged copy takes: the documents, the options, the assets.
STAGED_PATTERNS = ("*.qmd", "_quarto.yml", "assets/**/*")
#: Folder of the edition without claims under the build folder.
WITHOUT_CLAIMS_DIR = "report-without-claims"
_EMBED_PATH = re.compile(r"(\{\{<\s*embed\s+)([^\s#>]+)(#)")


@dataclass(frozen=True)
class Edition:
    """One edition of the report: where its sources, notebooks, work files and outputs are."""

    exclude_party_claims: bool = False

    @property
    def name(self) -> str:
        """The stem of the output files: 'report' or 'report-without-claims'."""
        return WITHOUT_CLAIMS_DIR if self.exclude_party_claims else "report"

    @property
    def notebooks_dir(self) -> Path:
        from analysis.notebooks import notebook_dir

        return notebook_dir(self.exclude_party_claims)

    @property
    def project_dir(self) -> Path:
        return config.BUILD_DIR / WITHOUT_CLAIMS_DIR / "project" if self.exclude_party_claims else config.REPORTS_DIR

    @property
    def work_dir(self) -> Path:
        """The built-in renderer's intermediate files."""
        return config.BUILD_DIR / WITHOUT_CLAIMS_DIR / "render" if self.exclude_party_claims else config.BUILD_DIR / "report"

    def output_names(self, formats: dict[str, str]) -> dict[str, str]:
        """Output file per format: report.html, or report-without-claims.html."""
        return {fmt: self.name + Path(file).suffix for fmt, file in formats.items()}

    def prepare(self, source_dir: Path = config.REPORTS_DIR) -> Path:
        """The edition's project folder, staged from ``source_dir`` when it is not that folder."""
        if not self.exclude_party_claims:
            return Path(source_dir)
        stage_project(Path(source_dir), self.project_dir, Edition(False).notebooks_dir, self.notebooks_dir)
        return self.project_dir


def retarget_embeds(text: str, source_dir: Path, dest_dir: Path, notebooks_from: Path, notebooks_to: Path) -> str:
    """``text`` with every embed path resolved as Quarto resolves it from ``source_dir``,
    moved from ``notebooks_from`` to ``notebooks_to`` when it lies there, and written
    relative to ``dest_dir``."""
    def repl(m: re.Match) -> str:
        target = m.group(2)
        path = Path(source_dir) / target.lstrip("/")  # a leading slash is the project's root
        path = Path(os.path.normpath(path))
        try:
            path = Path(notebooks_to) / path.relative_to(os.path.normpath(notebooks_from))
        except ValueError:
            pass  # not an executed notebook of the full edition: the same file
        return m.group(1) + Path(os.path.relpath(path, dest_dir)).as_posix() + m.group(3)

    return _EMBED_PATH.sub(repl, text)


def stage_project(source_dir: Path, dest_dir: Path, notebooks_from: Path, notebooks_to: Path) -> list[Path]:
    """Copy the project's sources into ``dest_dir``, embeds retargeted; returns the files.

    Files are rewritten only when their content changes, and staged files whose source is
    gone are removed; what the build generates there (``_variables.yml``, ``_generated/``)
    is left alone.
    """
    source_dir, dest_dir = Path(source_dir), Path(dest_dir)
    if not (source_dir / "_quarto.yml").is_file():
        raise ReportError(f"{source_dir}: no _quarto.yml; the report's project folder is needed to stage an edition")
    wanted: dict[Path, bytes] = {}
    for pattern in STAGED_PATTERNS:
        for path in sorted(source_dir.glob(pattern)):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if path.suffix == ".qmd":
                text = retarget_embeds(data.decode("utf-8"), source_dir, dest_dir, notebooks_from, notebooks_to)
                data = text.encode("utf-8")
            wanted[dest_dir / path.relative_to(source_dir)] = data
    for old in sorted(p for p in dest_dir.glob("assets/**/*") if p.is_file()) + sorted(dest_dir.glob("*.qmd")):
        if old not in wanted:
            old.unlink()
    for path, data in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return sorted(wanted)
