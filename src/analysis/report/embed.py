"""``{{< embed notebook.ipynb#name >}}`` by Quarto's rules, for the built-in renderer.

Quarto (src/core/jupyter/jupyter-embed.ts) resolves the notebook's path against the main
document's folder, or against the project's root for a leading ``/``, and takes the first
cell, in notebook order, whose id is the name, or whose ``#| label:`` is, or which has the
name as a tag, or whose Markdown carries ``{#name}``. Here a name that no cell answers to
is an error listing the labels, and so is a name that several cells answer to: Quarto
would take the first without a word, and the report would show whichever came first.

The cell's output must be one ``image/png`` (a figure) or one ``text/markdown`` (a
table, escaped by the notebook), and its options must give ``fig-cap`` or ``tbl-cap``.

The Markdown written for an embed has the shape Quarto writes
(``notebookMarkdown`` in jupyter-embed.ts): a Div ``.quarto-embed-nb-cell`` whose
attributes name the notebook (its absolute path) and the cell (``cell-<label>``), around
the output. The report's filter ``reports/assets/filters/embedded-cells.lua`` reads those
attributes under both renderers (the phone-sized figure the notebook keeps in the cell's
output metadata, ids made unique per notebook) and then removes them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.report import ReportError

#: Labels of embedded cells are cross-referenceable when they carry one of these prefixes;
#: other labels (the region profiles' repeated ones) are made unique per notebook.
CROSSREF_PREFIXES = ("fig-", "tbl-")

_CELL_OPTION = re.compile(r"^#\|\s?(.*)$")


@dataclass
class Embed:
    """One cell's output, ready to go into the document."""

    notebook: Path
    label: str
    caption: str
    kind: str  # "figure" | "table"
    png: bytes | None = None
    markdown: str | None = None
    alt: str | None = None
    cell_id: str = ""


def cell_options(source: str, where: str) -> dict:
    """Quarto's `#| key: value` options at the top of a code cell."""
    lines = []
    for line in source.splitlines():
        m = _CELL_OPTION.match(line)
        if not m:
            break
        lines.append(m.group(1))
    try:
        opts = yaml.safe_load("\n".join(lines)) if lines else {}
    except yaml.YAMLError as exc:
        raise ReportError(f"{where}: the cell's #| options are not valid YAML: {exc}") from exc
    return opts if isinstance(opts, dict) else {}


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _markdown_of(cell) -> list[str]:
    if cell.cell_type == "markdown":
        return [_text(cell.source)]
    return [_text(out.get("data", {}).get("text/markdown")) for out in cell.get("outputs", []) if "data" in out]


def matches(cell, options: dict, name: str) -> str | None:
    """Why ``cell`` answers to ``name`` by Quarto's rules (``cellForId``), or None."""
    if cell.get("id") == name:
        return "id"
    if "label" in options and str(options["label"]) == name:
        return "label"
    if name in (cell.get("metadata", {}).get("tags") or []):
        return "tag"
    attribute = re.compile(r"\{#" + re.escape(name) + r"(\s+[^}]*)*\}$", re.M)
    if any(attribute.search(text) for text in _markdown_of(cell)):
        return "{#" + name + "} in its Markdown"
    return None


def find_cell(notebook: Path, name: str, where: str):
    """The one cell of ``notebook`` that answers to ``name``, and its options."""
    import nbformat

    if not notebook.exists():
        raise ReportError(f"{where}: {notebook} does not exist: run `python -m analysis.notebooks` to execute the notebooks")
    nb = nbformat.read(notebook, as_version=4)
    found, labels = [], []
    for n, cell in enumerate(nb.cells):
        options = cell_options(_text(cell.source), f"{notebook}, cell {n}") if cell.cell_type == "code" else {}
        if "label" in options:
            labels.append(str(options["label"]))
        why = matches(cell, options, name)
        if why:
            found.append((n, cell, options, why))
    if not found:
        raise ReportError(
            f"{where}: {notebook}: no cell labelled {name!r} (nor with that id or tag); labels: {', '.join(labels) or 'none'}"
        )
    if len(found) > 1:
        cells = "; ".join(f"cell {n} by its {why}" for n, _, _, why in found)
        raise ReportError(
            f"{where}: {notebook}: {name!r} is ambiguous, {len(found)} cells answer to it ({cells}); "
            "Quarto would embed the first without a word: make the label unique"
        )
    _, cell, options, _ = found[0]
    return cell, options


def read_embed(notebook: Path, name: str, where: str) -> Embed:
    """The output of the cell ``name`` names in an executed notebook."""
    cell, opts = find_cell(notebook, name, where)
    label = str(opts.get("label", name))
    # Quarto's id of an embedded cell (jupyter.ts, cellId): 'cell-<label>', else the cell's own id.
    cell_id = f"cell-{opts['label']}" if isinstance(opts.get("label"), str) else str(cell.get("id", ""))
    at = f"{where}: {notebook}, cell {label!r}"
    if cell.cell_type != "code":
        raise ReportError(f"{at}: a {cell.cell_type} cell; only a code cell's output can be embedded")
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            raise ReportError(f"{at}: the cell raised {out.get('ename')}: {out.get('evalue')}")
    datas = [out.get("data", {}) for out in cell.get("outputs", []) if out.get("output_type") in ("display_data", "execute_result")]
    pngs = [d["image/png"] for d in datas if "image/png" in d]
    mds = [d["text/markdown"] for d in datas if "text/markdown" in d]
    caption = opts.get("fig-cap") or opts.get("tbl-cap")
    if not caption:
        raise ReportError(f"{at}: no fig-cap or tbl-cap option; every embedded output needs a caption")
    if len(pngs) + len(mds) != 1:
        raise ReportError(f"{at}: expected one image/png or one text/markdown output, found {len(pngs)} PNG and {len(mds)} Markdown")
    if pngs:
        return Embed(notebook, label, str(caption), "figure", png=base64.b64decode(_text(pngs[0])), alt=opts.get("fig-alt"),
                     cell_id=cell_id)
    return Embed(notebook, label, str(caption), "table", markdown=_text(mds[0]), cell_id=cell_id)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def _attribute(value: str) -> str:
    # Inside a quoted attribute pandoc only unescapes \\ and \"; the filters read it as text.
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def embed_markdown(embed: Embed, element_id: str, media_dir: Path, media_prefix: str) -> str:
    """The embed as a Quarto-style figure or table div in Quarto's wrapper of an embedded
    cell; a figure's PNG goes to ``media_dir``.

    Labels with a fig-/tbl- prefix are numbered by the crossref filter; other labels get
    the class ``embed-figure``/``embed-table`` and are captioned but not numbered.
    """
    numbered = element_id.startswith(CROSSREF_PREFIXES)
    cls = "" if numbered else (" .embed-figure" if embed.kind == "figure" else " .embed-table")
    if embed.kind == "figure":
        name = f"{_slug(media_prefix)}-{_slug(element_id)}.png"
        media_dir.mkdir(parents=True, exist_ok=True)
        (media_dir / name).write_bytes(embed.png or b"")
        alt = f'{{fig-alt="{_attribute(embed.alt)}"}}' if embed.alt else ""
        content = f"![]({media_dir.name}/{name}){alt}"
    else:
        content = (embed.markdown or "").strip("\n")
    wrapper = (f'::::: {{.quarto-embed-nb-cell notebook="{_attribute(Path(embed.notebook).resolve())}" '
               f'notebook-cellId="{_attribute(embed.cell_id)}"}}')
    return f"\n{wrapper}\n\n::: {{#{element_id}{cls}}}\n{content}\n\n{embed.caption}\n:::\n\n:::::\n"
