"""Build the report: the data-driven pieces, then the HTML and the PDF.

``python -m analysis.report`` writes the data-driven sources, then renders them with
Quarto (1.9.18 or later on the PATH) or with the built-in pandoc + typst renderer.
``--sources-only`` stops after the sources: `make notebooks` runs it, so that
``quarto render reports/`` and ``quarto preview reports/report.qmd`` work afterwards.
``--exclude-party-claims`` builds the edition without the figures claimed by a party to
the conflict (:mod:`analysis.report.editions`) into ``report-without-claims.html`` and
``.pdf``; without the option, the environment variable ``EXCLUDE_PARTY_CLAIMS`` decides,
as for ``python -m analysis.notebooks``.

Usage::

    python -m analysis.report [--formats html,pdf] [--engine auto|quarto|pandoc] [--browser-check]
                              [--exclude-party-claims | --include-party-claims]
    python -m analysis.report --sources-only [--engine auto|quarto|pandoc] [--exclude-party-claims]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable

from analysis import config
from analysis.report import ReportError
from analysis.report.editions import Edition
from analysis.report.generate import write_sources
from analysis.report.inspect import check_html
from analysis.report.render import FORMATS, choose_engine, render_builtin, render_quarto


def build(formats: Iterable[str] = ("html", "pdf"), engine: str = "auto", *, sources_only: bool = False,
          exclude_party_claims: bool = False) -> dict[str, Path]:
    """Generate the data-driven sources of an edition, then render it (unless ``sources_only``)."""
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ReportError(f"unknown format(s) {', '.join(unknown)}; formats: {', '.join(FORMATS)}")
    chosen = choose_engine(engine)
    edition = Edition(exclude_party_claims)
    project = edition.prepare()
    variables = write_sources(engine=chosen, reports_dir=project, region_notebooks_dir=edition.notebooks_dir / "regions",
                              exclude_party_claims=exclude_party_claims)
    if sources_only:
        return {}
    names = edition.output_names(FORMATS)
    if chosen == "quarto":
        written = render_quarto(formats, qmd=project / "report.qmd", names=names)
    else:
        written = render_builtin(formats, qmd=project / "report.qmd", work_dir=edition.work_dir, variables=variables, names=names,
                                 output_dir=config.REPORT_OUTPUT_DIR)
    from analysis.redact.outputs import check_report  # an output naming a restricted value is removed

    return check_report(written, ReportError)


def main(argv: list[str] | None = None) -> int:
    from analysis.notebooks import EXCLUDE_ENV, env_exclude_party_claims

    parser = argparse.ArgumentParser(prog="python -m analysis.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="html,pdf", help="comma-separated: html, pdf (default both)")
    parser.add_argument("--engine", default="auto", choices=("auto", "quarto", "pandoc"),
                        help="quarto if a supported one is on the PATH (auto), or the built-in pandoc+typst renderer")
    parser.add_argument("--sources-only", action="store_true",
                        help="write reports/_variables.yml and reports/_generated/ and render nothing")
    claims = parser.add_mutually_exclusive_group()
    claims.add_argument("--exclude-party-claims", dest="exclude", action="store_true", default=None,
                        help="the edition without the figures claimed by a party to the conflict, from "
                             f"build/notebooks-without-claims/, into report-without-claims.html and .pdf (default: {EXCLUDE_ENV})")
    claims.add_argument("--include-party-claims", dest="exclude", action="store_false", help="the full edition (report.html, .pdf)")
    # Not --check: `python -m analysis.build --check` means "write nothing", and one option
    # name should not mean two things in one project.
    parser.add_argument("--browser-check", action="store_true",
                        help="afterwards, open the HTML in headless Chromium and fail on a console error, "
                             "a broken image or a request for anything outside the file")
    args = parser.parse_args(argv)
    try:
        exclude = env_exclude_party_claims() if args.exclude is None else args.exclude
    except ValueError as exc:
        parser.error(str(exc))
    try:
        formats = [f.strip() for f in args.formats.split(",") if f.strip()]
        written = build(formats, args.engine, sources_only=args.sources_only, exclude_party_claims=exclude)
    except (ReportError, FileNotFoundError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    for fmt, path in written.items():
        print(f"wrote {path}")
    if args.browser_check and "html" in written:
        problems = check_html(written["html"]).problems
        for p in problems:
            print(f"browser check: {p}", file=sys.stderr)
        return 1 if problems else 0
    return 0
