"""Which notebook cell an ``{{< embed notebook.ipynb#name >}}`` takes, by Quarto's rules
(src/core/jupyter/jupyter-embed.ts, cellForId): the cell whose id is the name, or whose
``#| label:`` is, or which carries the name as a tag, or whose Markdown has ``{#name}``.
A name no cell answers to, or several cells do, is an error naming the shortcode's place.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from analysis.report import ReportError
from analysis.report.embed import find_cell, read_embed

WHERE = "report.qmd:12: {{< embed nb.ipynb#x >}}"


def code(label: str | None, *, cell_id: str, tags: tuple[str, ...] = (), markdown: str = "| a |\n|---|\n| 1 |") -> nbformat.NotebookNode:
    source = (f"#| label: {label}\n" if label else "") + "#| tbl-cap: A table\nshow()"
    output = nbformat.v4.new_output("display_data", data={"text/markdown": markdown, "text/plain": "<Markdown>"})
    cell = nbformat.v4.new_code_cell(source, outputs=[output], metadata={"tags": list(tags)})
    cell["id"] = cell_id
    return cell


def notebook(tmp_path: Path, *cells: nbformat.NotebookNode) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_cell_is_found_by_id_by_label_and_by_tag(tmp_path):
    path = notebook(tmp_path, code("tbl-a", cell_id="first"), code("tbl-b", cell_id="second", tags=("summary",)))
    assert find_cell(path, "first", WHERE)[1]["label"] == "tbl-a"
    assert find_cell(path, "tbl-b", WHERE)[0]["id"] == "second"
    assert find_cell(path, "summary", WHERE)[0]["id"] == "second"


def test_a_cell_is_found_by_an_id_in_its_markdown(tmp_path):
    path = notebook(tmp_path, code(None, cell_id="c1", markdown="| a |\n|---|\n| 1 |\n\n: Caption {#tbl-inline}"))
    assert find_cell(path, "tbl-inline", WHERE)[0]["id"] == "c1"


def test_an_embed_by_id_keeps_the_cells_label(tmp_path):
    path = notebook(tmp_path, code("tbl-a", cell_id="first"))
    embed = read_embed(path, "first", WHERE)
    assert (embed.label, embed.kind, embed.caption) == ("tbl-a", "table", "A table")


def test_a_name_several_cells_answer_to_is_ambiguous(tmp_path):
    # Quarto would take the first cell without a word.
    path = notebook(tmp_path, code("tbl-a", cell_id="c1"), code("tbl-b", cell_id="c2", tags=("tbl-a",)))
    with pytest.raises(ReportError, match=r"report\.qmd:12: .*nb\.ipynb: 'tbl-a' is ambiguous, 2 cells answer to it "
                                          r"\(cell 0 by its label; cell 1 by its tag\)"):
        find_cell(path, "tbl-a", WHERE)


def test_an_id_equal_to_another_cells_label_is_ambiguous(tmp_path):
    path = notebook(tmp_path, code("tbl-a", cell_id="c1"), code("c1", cell_id="c2"))
    with pytest.raises(ReportError, match=r"'c1' is ambiguous, 2 cells answer to it \(cell 0 by its id; cell 1 by its label\)"):
        find_cell(path, "c1", WHERE)


def test_a_missing_name_lists_the_labels(tmp_path):
    path = notebook(tmp_path, code("tbl-a", cell_id="c1"), code("tbl-b", cell_id="c2"))
    with pytest.raises(ReportError, match=r"report\.qmd:12: .*no cell labelled 'tbl-c' \(nor with that id or tag\); labels: tbl-a, tbl-b"):
        find_cell(path, "tbl-c", WHERE)


def test_a_missing_notebook_says_how_to_make_it(tmp_path):
    with pytest.raises(ReportError, match=r"report\.qmd:12: .*absent\.ipynb does not exist: run `python -m analysis\.notebooks`"):
        find_cell(tmp_path / "absent.ipynb", "x", WHERE)


def test_a_markdown_cell_cannot_be_embedded(tmp_path):
    text = nbformat.v4.new_markdown_cell("## Notes {#notes}")
    text["id"] = "m1"
    path = notebook(tmp_path, text, code("tbl-a", cell_id="c1"))
    with pytest.raises(ReportError, match=r"a markdown cell; only a code cell's output can be embedded"):
        read_embed(path, "notes", WHERE)
