"""The last check before publication on small files: a name typed into a notebook, an HTML page
or a PDF (text, title, link, image metadata) is found, the file removed and publication stopped
with a message that does not repeat the name. The restricted values are the frozen seed's."""

from __future__ import annotations

import base64
import html
import io
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
import typst  # noqa: E402

from analysis.redact import Listing, Redactor, redactor_of  # noqa: E402
from analysis.redact.outputs import check_notebooks, check_report, scan  # noqa: E402
from fixtures import SEED_RAW  # noqa: E402

#: The seed lists "Zelimkhan Mustafinov" under victim_names of R036.
LISTED = "listed under victim_names of record R036"


@pytest.fixture(scope="module")
def redactor():
    redactor, problems = redactor_of(SEED_RAW)
    assert not problems
    return redactor


def png(title: str | None = None) -> bytes:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Title": title} if title else None)
    plt.close(fig)
    return buf.getvalue()


def notebook(path, markdown="A chart.", output="3 incidents", cell_alt="", image_title=None):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("#| fig-alt: " + cell_alt + "\nplot()")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": output,
                                                                   "image/png": base64.b64encode(png(image_title)).decode()})]
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), code]
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.parametrize("kwargs, place", [
    ({"markdown": "Testimony of Zelimkhan Mustafinov."}, "cell 1 (markdown)"),
    ({"output": "3 incidents, one of them Мустафинова"}, "output of cell 2"),
    ({"cell_alt": "A chart of MUSTAFINOV's case"}, "cell 2 (code)"),
    ({"image_title": "Mus\u00adtafinov"}, "image in the output of cell 2"),
])
def test_a_name_anywhere_in_a_notebook_is_found(tmp_path, redactor, kwargs, place):
    assert not scan(notebook(tmp_path / "clean.ipynb"), redactor)
    [leak] = scan(notebook(tmp_path / "nb.ipynb", **kwargs), redactor)
    assert leak.place == place and LISTED in leak.where


def test_a_notebook_naming_someone_is_removed_and_the_message_does_not_repeat_the_name(tmp_path, monkeypatch):
    out = tmp_path / "notebooks"
    (out / "regions").mkdir(parents=True)
    notebook(out / "overview.ipynb")
    notebook(out / "regions" / "RU-CE.ipynb", markdown="Zelimkhan Mustafinov")
    failed = check_notebooks(out, raw_dir=SEED_RAW)
    assert list(failed) == ["regions/RU-CE.ipynb"] and not (out / "regions" / "RU-CE.ipynb").exists()
    assert (out / "overview.ipynb").exists()
    assert LISTED in failed["regions/RU-CE.ipynb"] and "ustafinov" not in failed["regions/RU-CE.ipynb"].lower()


@pytest.mark.parametrize("body", [
    "<p>Zelimkhan Mustafinov</p>",
    "<p>" + "".join(f"&#{ord(c)};" for c in "Мустафинов") + "</p>",   # character references
    "<p>Mustafi<b>nov</b> was</p>",                                    # split by markup
    '<img alt="Portrait of Mustafinov" src="x.png">',                  # alternative text
    '<a href="https://example.org/mustafinov-wanted">a report</a>',    # a web address
    '<img src="data:image/svg+xml;base64,' + base64.b64encode(b"<svg><title>Mustafinov</title></svg>").decode() + '">',
    '<img src="data:image/png;base64,' + base64.b64encode(png("Zelimkhan Mustafinov")).decode() + '">',
])
def test_a_name_anywhere_in_an_html_page_is_found(tmp_path, redactor, body):
    page = tmp_path / "report.html"
    page.write_text(f"<html><head><title>Report</title></head><body><p>January</p>{body}</body></html>")
    leaks = scan(page, redactor)
    assert leaks and all(LISTED in x.where for x in leaks)


def test_a_part_of_a_name_in_a_web_address_is_found(tmp_path):
    """In a cell without spaces a part of a name is found in lower case: a link's address is read on its own."""
    redactor = Redactor([Listing("Ruslanbek Zhvikolov", "victim_names", "a.yaml", 3, "R001")])
    page = tmp_path / "report.html"
    page.write_text('<p>Six men (<a href="https://example.org/news/zhvikolov-wanted">source</a>)</p>')
    [leak] = scan(page, redactor)
    assert leak.place.startswith("an attribute")


def test_a_clean_html_page_with_an_embedded_image_passes(tmp_path, redactor):
    page = tmp_path / "report.html"
    image = base64.b64encode(png("Incidents by region")).decode()
    page.write_text(f'<html><body><p>In January six men were {html.escape("<detained>")}</p><img src="data:image/png;base64,{image}"></body></html>')
    assert not scan(page, redactor)


def pdf(tmp_path, source: str):
    (tmp_path / "doc.typ").write_text(source, encoding="utf-8")
    typst.compile(str(tmp_path / "doc.typ"), output=str(tmp_path / "report.pdf"))
    return tmp_path / "report.pdf"


@pytest.mark.parametrize("source", [
    "Six men, among them Zelimkhan Mustafinov, were detained.",
    '#set document(title: "The case of Mustafinov")\nSix men were detained.',
    '#set document(author: "Zelimkhan Mustafinov")\nSix men were detained.',
    '#set document(keywords: ("Chechnya", "Мустафинов"))\nSix men were detained.',
    'Six men were detained (#link("https://example.org/mustafinov")[source]).',
    "#heading[Mustafinov]\n#outline()\nSix men were detained.",
])
def test_a_name_in_a_pdf_text_or_metadata_is_found(tmp_path, redactor, source):
    assert not scan(pdf(tmp_path, "Six men were detained in January."), redactor)
    leaks = scan(pdf(tmp_path, source), redactor)
    assert leaks and all(LISTED in x.where for x in leaks)


def test_a_report_naming_someone_is_removed_and_publication_stops(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<p>Six men were detained.</p>")
    document = pdf(tmp_path, '#set document(title: "Zelimkhan Mustafinov")\nSix men were detained.')

    class Stop(Exception):
        pass

    assert check_report({"html": page}, Stop, raw_dir=SEED_RAW) == {"html": page}
    with pytest.raises(Stop) as err:
        check_report({"html": page, "pdf": document}, Stop, raw_dir=SEED_RAW)
    assert not page.exists() and not document.exists()
    assert "report.pdf" in str(err.value) and LISTED in str(err.value) and "ustafinov" not in str(err.value).lower()


def test_restricted_values_that_cannot_be_read_stop_publication(tmp_path):
    raw = tmp_path / "raw"
    (raw / "incidents").mkdir(parents=True)
    (raw / "incidents" / "broken.yaml").write_text("records: [\n")
    page = tmp_path / "report.html"
    page.write_text("<p>Six men were detained.</p>")
    with pytest.raises(RuntimeError, match="cannot all be read"):
        check_report({"html": page}, raw_dir=raw)
