"""Step 1: the report's data-driven sources.

``reports/_variables.yml`` holds every key figure as it is printed (read by
``{{< var name >}}``); ``reports/_generated/`` the codebook, the sources appendix, one
section per region profile, the reproducibility stamp, and ``metadata.yml``: the report's
date, its edition and the summary of findings (:mod:`analysis.report.summary`). For the
edition without claims of parties to the conflict the same files go into its staged
project (:mod:`analysis.report.editions`), computed without them. Each file is rewritten
only when its content changes, so make sees nothing new after an idle rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Mapping

import pandas as pd
import yaml

from analysis import codebook, config
from analysis.markdown import escape, link, table
from analysis.report import ReportError
from analysis.report.render import pandoc_version, quarto_version

#: Where `python -m analysis.notebooks` writes the region profiles.
REGION_NOTEBOOKS_DIR = config.BUILD_DIR / "notebooks" / "regions"
#: Events named in a source's entry of the sources appendix; the rest are counted.
SOURCE_EVENTS_SHOWN = 12
#: Packages whose versions the reproducibility stamp lists.
STAMP_PACKAGES = (
    "pandas", "numpy", "pyarrow", "pandera", "geopandas", "shapely", "pyproj", "matplotlib",
    "nbformat", "nbclient", "papermill", "PyYAML", "pypandoc-binary", "typst",
)


def format_value(value: object) -> str:
    """A key figure as it is printed in the report: integers with thousands separators,
    dates as ISO dates, missing values as 'unknown'."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return format_value(value.item())
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def report_variables(figures: Mapping[str, object], incidents: pd.DataFrame) -> dict[str, str]:
    """The variables of ``_variables.yml``: every key figure formatted, plus phrases built
    from them and the data's date.

    ``persons_range`` is 'low–high' ('+' when an 'at least' figure leaves the top open),
    ``persons_bounds`` 'low / best / high' as in the key-figures table, ``period`` the span
    of incident dates. ``data_date`` is the latest coding date: the report's date and the
    PDF's.
    """
    from analysis import display

    variables = {str(k): format_value(v) for k, v in figures.items() if not isinstance(v, (dict, list, tuple))}
    low, best, high = (figures.get(k) for k in ("persons_low", "persons_best", "persons_high"))
    is_open = bool(figures.get("persons_high_open"))
    if None not in (low, best, high):
        variables["persons_range"] = f"{format_value(low)}–{format_value(high)}{'+' if is_open else ''}"
        variables["persons_bounds"] = display.bounds_label(low, best, high, is_open)
    if "period_start" in figures:
        variables["period"] = f"{format_value(figures['period_start'])} to {format_value(figures.get('period_end'))}"
    coded = pd.to_datetime(incidents["coded_date"]).dropna()
    if coded.empty:
        raise ReportError("incidents: coded_date is empty in every row; the report's date comes from it")
    variables["data_date"] = coded.max().strftime("%Y-%m-%d")
    return variables


def region_names(incidents: pd.DataFrame) -> dict[str, str]:
    """Region code -> English name, from the incidents' paired multi-valued columns."""
    from analysis.aggregate import split_values

    names: dict[str, str] = {}
    for codes, labels in zip(incidents["region_code"], incidents["region_name"]):
        for code, name in zip(split_values(codes), split_values(labels)):
            names.setdefault(code, name)
    return names


def regions_markdown(incidents: pd.DataFrame, notebooks_dir: Path = REGION_NOTEBOOKS_DIR, base_dir: Path = config.REPORTS_DIR) -> str:
    """One section per region profile notebook, embedding its three labelled outputs.

    Embed paths are relative to ``base_dir``, the main document's folder: Quarto
    resolves paths in included files against the including document. Every region with
    incidents must have a profile; a missing one is an error naming it.
    """
    from analysis.aggregate import regions_with_incidents

    notebooks = sorted(Path(notebooks_dir).glob("*.ipynb"))
    found = {nb.stem for nb in notebooks}
    missing = [code for code in regions_with_incidents(incidents) if code not in found]
    if missing:
        raise ReportError(
            f"{notebooks_dir}: no region profile for {', '.join(missing)} although the data have incidents there; "
            "run `python -m analysis.notebooks` to execute the profiles"
        )
    names = region_names(incidents)
    out = ["<!-- Generated by python -m analysis.report from the region profile notebooks; do not edit. -->", ""]
    for nb in notebooks:
        code = nb.stem
        title = f"{escape(names[code])} ({escape(code)})" if code in names else escape(code)
        rel = Path(os.path.relpath(nb, base_dir)).as_posix()
        out += [f"## {title} {{#sec-region-{code.lower()}}}", ""]
        for label in ("region-summary", "region-timeline", "region-incidents"):
            out += [f"{{{{< embed {rel}#{label} >}}}}", ""]
    return "\n".join(out)


def _published(row: pd.Series) -> str:
    date = row["published_date"]
    if pd.isna(date):
        return "date unknown"
    precision = row.get("published_precision")
    fmt = {"month": "%Y-%m", "year": "%Y"}.get(str(precision), "%Y-%m-%d")
    return pd.Timestamp(date).strftime(fmt)


def _events_of_sources(incidents: pd.DataFrame) -> dict[str, list[str]]:
    """Source id -> the incidents, practices and context figures coded from it, in id order."""
    from analysis import aggregate

    out: dict[str, list[str]] = {}
    rows = incidents.sort_values("incident_id")
    for incident_id, cell in zip(rows["incident_id"], rows["source_ids"]):
        for source_id in aggregate.split_values(cell):
            out.setdefault(source_id, []).append(str(incident_id))
    return out


def _events_text(ids: list[str]) -> str:
    if not ids:
        return "No incident, practice or context figure of this report is coded from it."
    shown = ", ".join(escape(i) for i in ids[:SOURCE_EVENTS_SHOWN])
    more = f" and {len(ids) - SOURCE_EVENTS_SHOWN:,} more" if len(ids) > SOURCE_EVENTS_SHOWN else ""
    return f"Incidents, practices and context figures coded from it ({len(ids):,}): {shown}{more}."


def sources_markdown(sources: pd.DataFrame, incidents: pd.DataFrame | None = None) -> str:
    """The sources appendix: one paragraph per source, with an anchor the summary links to.

    Paragraphs rather than a table: a source's id, address and checksum are long words
    that cannot wrap, and in table columns they printed over one another; a paragraph
    takes the width of the page, on paper and on a phone, one fact per line.
    """
    from analysis.report.summary import source_anchor

    per_source = _events_of_sources(incidents) if incidents is not None else {}
    out = ["<!-- Generated by python -m analysis.report from the sources table; do not edit. -->", ""]
    for row in sources.sort_values("source_id").itertuples(index=False):
        source_id = str(row.source_id)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", source_id):
            raise ReportError(f"sources: source_id {source_id!r} cannot name an anchor; the codebook allows [a-z0-9-] only")
        sha = f"`{row.sha256}`" if re.fullmatch(r"[0-9a-f]{64}", str(row.sha256)) else escape(row.sha256)
        lines = [
            f"[**{escape(source_id)}**]{{#{source_anchor(source_id)}}}\\",
            f"{escape(row.outlet)}: \u201c{escape(row.headline)}\u201d (published {_published(pd.Series(row._asdict()))}; "
            f"metadata confidence: {escape(row.metadata_confidence)})\\",
            # The address alone on its line: a long one cannot wrap, and a label before it
            # would be stretched across the line in the justified PDF.
            f"{link(row.address)}\\" if str(row.address).startswith(("http://", "https://")) else f"Address: {escape(row.address)}\\",
            # The checksum on a line of its own, for the same reason.
            f"SHA-256 of the archived text:\\\n{sha}",
        ]
        if incidents is not None:
            lines[-1] += "\\"
            lines.append(_events_text(per_source.get(source_id, [])))
        out += [*lines, ""]
    return "\n".join(out)


def _git(*args: str) -> str | None:
    try:
        # GIT_OPTIONAL_LOCKS=0: `git status` must not refresh the index; the stamp reads, never writes.
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
        done = subprocess.run(["git", "-C", str(config.PROJECT_ROOT), *args], capture_output=True, text=True, check=True, env=env)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def dataset_hash(processed_dir: Path = config.PROCESSED_DIR) -> tuple[str, str]:
    """SHA-256 identifying the processed dataset, and what was hashed.

    The pipeline's MANIFEST lists every processed file with its SHA-256, so its own hash
    identifies the dataset. Without it, the files are hashed here in sorted order.
    """
    manifest = Path(processed_dir) / "MANIFEST"
    if manifest.exists():
        return hashlib.sha256(manifest.read_bytes()).hexdigest(), f"`{manifest.name}` of `data/processed/`"
    files = sorted(p for p in Path(processed_dir).rglob("*") if p.is_file())
    if not files:
        raise ReportError(f"{processed_dir}: no processed files to identify the dataset by; run `make data` first")
    lines = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(processed_dir).as_posix()}\n" for p in files)
    return hashlib.sha256(lines.encode()).hexdigest(), f"{len(files)} files of `data/processed/` (no MANIFEST), hashed in sorted order"


def tool_versions(engine: str) -> list[tuple[str, str]]:
    """Python, the stamp's packages and the renderer, with their versions."""
    rows = [("Python", platform.python_version())]
    for name in STAMP_PACKAGES:
        try:
            rows.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    if engine == "quarto":
        rows.append(("Quarto", ".".join(map(str, quarto_version() or ())) or "not on the PATH"))
    else:
        rows.append(("pandoc (renderer)", pandoc_version()))
    return rows


def stamp_markdown(engine: str, processed_dir: Path = config.PROCESSED_DIR, release: str | None = None) -> str:
    """The reproducibility stamp: release, commit, dataset hash, tool versions."""
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        commit_text = "not a git checkout"
    else:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        commit_text = f"`{commit}`" + (" with uncommitted changes" if dirty else " (clean working tree)")
    digest, what = dataset_hash(processed_dir)
    versions = pd.DataFrame(tool_versions(engine), columns=["Software", "Version"])
    return "\n".join([
        "<!-- Generated by python -m analysis.report; do not edit. -->",
        "",
        *([f"- Dataset: {release}"] if release else []),
        f"- Git commit: {commit_text}",
        # The checksum on a line of its own: a word that long would stretch the line before it.
        f"- Processed dataset: SHA-256 of {what}:\\\n  `{digest}`",
        f"- Renderer: {'Quarto' if engine == 'quarto' else 'built-in (pandoc and typst, see docs/quarto-subset.md)'}",
        "",
        "::: {#tbl-versions}",
        table(versions),
        "",
        "Software that built this report.",
        ":::",
        "",
    ])


def _write_if_changed(path: Path, text: str) -> None:
    # An unchanged file keeps its modification time, so make sees nothing new.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def claims_text(events: pd.DataFrame, figures: Mapping[str, object]) -> str:
    """One sentence for the report's text on the claims of parties to the conflict: which
    incidents rest on them and what remains without them, or that this edition leaves them out."""
    from analysis import aggregate, display

    dropped = aggregate.party_claims_excluded(events)
    if dropped is not None:
        return (f"This edition leaves out every figure claimed by a party to the conflict ({display.plural(len(dropped), 'event')}: "
                f"{', '.join(dropped)}); the full edition gives them, marked as claims.")
    inc = aggregate.incidents_only(events)
    claimed = sorted(inc.loc[inc["claimed_by_party"].fillna(False).astype(bool), "incident_id"].astype(str))
    if not claimed:
        return "No figure in the data is a claim of a party to the conflict."
    rest = display.bounds_label(figures["persons_low_without_claims"], figures["persons_best_without_claims"],
                                figures["persons_high_without_claims"], bool(figures["persons_high_open_without_claims"]))
    return (f"The figures of {display.plural(len(claimed), 'incident')} ({', '.join(claimed)}) are claims of a party to the "
            f"conflict ({'; '.join(aggregate.claimants(events))}); tables and charts mark them with {display.CLAIM_MARK}. Without "
            f"them, {display.plural(int(figures['n_incidents_without_claims']), 'incident')} and {rest} persons "
            "(low / best / high) remain.")


#: The line under the title of the edition without claims of parties to the conflict.
WITHOUT_CLAIMS_EDITION = "without the figures claimed by parties to the conflict"
#: The title of the summary of findings, above the contents.
SUMMARY_TITLE = "Summary of findings"


def write_sources(
    incidents: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
    amounts: pd.DataFrame | None = None,
    *,
    engine: str = "pandoc",
    reports_dir: Path = config.REPORTS_DIR,
    region_notebooks_dir: Path = REGION_NOTEBOOKS_DIR,
    processed_dir: Path = config.PROCESSED_DIR,
    exclude_party_claims: bool = False,
) -> dict[str, str]:
    """Write ``_variables.yml`` and ``_generated/`` (Markdown and ``metadata.yml``) into
    ``reports_dir``; return the variables.

    The tables default to the processed ones (analysis.load). With
    ``exclude_party_claims`` every figure is computed without the rows whose figures are
    claims of a party to the conflict (``aggregate.without_party_claims``), and the
    edition under the title says so; the report stays dated by the whole dataset.
    """
    from analysis import aggregate, load
    from analysis.release import current_release
    from analysis.report.summary import summary_markdown

    if incidents is None:
        incidents = load.load_incidents(processed_dir)
    if sources is None:
        sources = load.load_sources(processed_dir)
    if amounts is None:
        amounts = load.load_amounts(processed_dir)
    events = aggregate.without_party_claims(incidents) if exclude_party_claims else incidents
    money = aggregate.amounts_without_party_claims(amounts, events) if exclude_party_claims else amounts

    release = current_release(processed_dir)
    figures = aggregate.key_figures(events, sources, money)
    variables = report_variables(figures, incidents)
    variables.update(release.variables())
    variables["claims_text"] = claims_text(events, figures)
    header = "# Generated by python -m analysis.report from the processed data; do not edit.\n"
    _write_if_changed(Path(reports_dir) / "_variables.yml", header + yaml.safe_dump(variables, sort_keys=True, allow_unicode=True))
    generated = Path(reports_dir) / "_generated"
    _write_if_changed(generated / "codebook.md", codebook.codebook_markdown(heading_level=2))
    _write_if_changed(generated / "sources.md", sources_markdown(sources, events))
    _write_if_changed(generated / "regions.qmd", regions_markdown(events, region_notebooks_dir, Path(reports_dir)))
    _write_if_changed(generated / "stamp.md", stamp_markdown(engine, processed_dir, release.label()))
    edition = variables["release_label"] + (f" · {WITHOUT_CLAIMS_EDITION}" if exclude_party_claims else "")
    _write_if_changed(generated / "metadata.yml", metadata_yaml(variables, edition, summary_markdown(events, sources, money)))
    return variables


def metadata_yaml(variables: Mapping[str, str], edition: str, summary: str) -> str:
    """``_generated/metadata.yml``, listed under ``metadata-files`` in ``_quarto.yml``: the
    report's date, its edition (release and data cut-off, shown under the title) and the
    summary of findings (``abstract``, shown above the contents), for Quarto and the
    built-in renderer alike.

    The date is a value, not ``{{< var data_date >}}``: Quarto parses and formats ``date``
    before it expands shortcodes, so a shortcode there prints "Invalid Date".
    """
    header = "# Generated by python -m analysis.report from the processed data; do not edit.\n"
    meta = {"date": variables["data_date"], "edition": edition, "abstract-title": SUMMARY_TITLE, "abstract": summary}
    return header + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True, width=100)
