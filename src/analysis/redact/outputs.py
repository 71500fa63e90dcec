"""The last check before notebooks and the report are published.

Executed notebooks, ``report.html`` and ``report.pdf`` are made from the published
tables, which the publication gate has withheld already. But a report author can type a
name into a notebook or into the report's text, and figure titles, alt text, captions and
a PDF's metadata are text too. Every string these files hold is searched with the
redactor of the records in ``data/raw``:

- a notebook: every string of its JSON (sources, outputs, metadata), and the text chunks
  of its PNG images (the images themselves are pixels: their titles and labels come from
  the data or from the notebook's code, which are searched);
- the HTML: its text with entities decoded and with the markup removed, attribute values
  (alt text, titles), embedded SVG and the text chunks of embedded PNG images;
- the PDF: the text of its pages (pdftotext when installed, and pypdf), every text string
  of its objects (metadata, outline, link targets, alternative text) and its XMP metadata.

A file that names a restricted value is removed, so that neither it nor an older copy is
published, and publication stops with a message that says where the value is listed and
where in which file it was found, never the value itself.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .matcher import Redactor

#: Notebook outputs that hold binary data (base64): searched through their text chunks only.
BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "application/pdf")
_DATA_URI = re.compile(r"data:([\w/+.-]+);base64,([A-Za-z0-9+/=\s]+)")
_TAG = re.compile(r"<[^>]*>")
#: Tags that break text into blocks: removing them would join the words on either side.
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|td|th|tr|table|thead|tbody|caption|h[1-6]|section|article|"
                        r"header|footer|nav|aside|main|figure|figcaption|blockquote|pre|img|title|head|body|html)\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""[\w:-]+\s*=\s*(["'])(.*?)\1""", re.S)


@dataclass(frozen=True)
class Leak:
    """A restricted value found in a file, and where (the value itself is never kept)."""

    file: Path
    place: str
    where: str  # where the value is listed

    def __str__(self) -> str:
        return f"{self.file}: {self.place} names a restricted name or detail ({self.where})"


def check_notebooks(out_dir: Path, raw_dir: Path | None = None) -> dict[str, str]:
    """Executed notebooks under ``out_dir`` that name a restricted value, removed: {name: message}."""
    redactor, problem = _redactor(raw_dir)
    if problem:
        return {"(every notebook)": problem}
    failed = {}
    for path in sorted(Path(out_dir).rglob("*.ipynb")):
        leaks = scan(path, redactor)
        if leaks:
            path.unlink()
            failed[path.relative_to(out_dir).as_posix()] = _message(leaks, "the executed notebook was removed")
    return failed


def check_report(written: dict[str, Path], error: type[Exception] = RuntimeError, raw_dir: Path | None = None) -> dict[str, Path]:
    """``written`` (format -> file) when no file names a restricted value; else the files are removed and ``error`` raised."""
    redactor, problem = _redactor(raw_dir)
    if problem:
        raise error(problem)
    leaks = [leak for path in written.values() for leak in scan(Path(path), redactor)]
    if leaks:
        for path in written.values():
            Path(path).unlink(missing_ok=True)
        raise error(_message(leaks, "nothing was published: " + ", ".join(Path(p).name for p in written.values()) + " removed"))
    return written


def scan(path: Path, redactor: Redactor) -> list[Leak]:
    """Where ``path`` names a restricted value (each place once)."""
    strings = {".ipynb": notebook_strings, ".html": html_strings, ".htm": html_strings, ".pdf": pdf_strings}.get(path.suffix)
    if strings is None:
        strings = _plain_strings
    found: dict[str, str] = {}
    for place, text in strings(path):
        if place in found or not text:
            continue
        hits = redactor.hits(text)
        if hits:
            found[place] = "; ".join(x.where() for x in redactor.where(hits))
    return [Leak(path, place, where) for place, where in found.items()]


def _message(leaks: list[Leak], what: str) -> str:
    shown = [str(x) for x in leaks[:10]] + ([f"... and {len(leaks) - 10} more"] if len(leaks) > 10 else [])
    return ("restricted names or details found (" + what + "); remove them from the notebooks or the report's text:\n  "
            + "\n  ".join(shown))


def _redactor(raw_dir: Path | None) -> tuple[Redactor, str | None]:
    from .. import config
    from . import redactor_of

    raw_dir = Path(raw_dir or config.RAW_DIR)
    redactor, problems = redactor_of(raw_dir, config.PROJECT_ROOT)
    if problems:
        return redactor, (f"the restricted values in {raw_dir} cannot all be read, so nothing can be checked "
                          f"against them: {problems[0]}")
    return redactor, None


def _plain_strings(path: Path) -> Iterator[tuple[str, str]]:
    yield "text", path.read_text(encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------------------
# What each kind of file says
# --------------------------------------------------------------------------------------


def notebook_strings(path: Path) -> Iterator[tuple[str, str]]:
    """Every string of a notebook, with where it is: cell sources, outputs, metadata, image text chunks."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    yield from (("notebook metadata", s) for s in _strings(nb.get("metadata", {})))
    for i, cell in enumerate(nb.get("cells", []), start=1):
        kind = cell.get("cell_type", "?")
        yield from ((f"cell {i} ({kind})", s) for s in _strings({k: v for k, v in cell.items() if k != "outputs"}))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for mime in BINARY_MIME:
                if isinstance(data.get(mime), str):
                    yield from ((f"image in the output of cell {i}", s) for s in image_strings(mime, data[mime]))
            rest = {**out, "data": {k: v for k, v in data.items() if k not in BINARY_MIME}}
            yield from ((f"output of cell {i}", s) for s in _strings(rest))


def html_strings(path: Path) -> Iterator[tuple[str, str]]:
    """The HTML's text (entities decoded, with and without the markup) and its embedded images' text."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    for m in _DATA_URI.finditer(raw):
        yield from (("embedded image", s) for s in image_strings(m.group(1), m.group(2)))
    raw = _DATA_URI.sub(" ", raw)
    yield "text and markup", html.unescape(raw)
    yield "text", html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", raw)))
    # Each attribute value on its own: a web address or an identifier is a cell without spaces.
    yield from (("an attribute (link, alternative text, title)", html.unescape(m.group(2))) for m in _ATTRIBUTE.finditer(raw))


def pdf_strings(path: Path) -> Iterator[tuple[str, str]]:
    """The PDF's page text, every text string of its objects and its XMP metadata."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, TextStringObject

    reader = PdfReader(str(path))
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
        yield "text (pdftotext)", text
        yield "text (pdftotext, hyphens joined)", text.replace("-\n", "")
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        yield f"text of page {n}", text
        yield f"text of page {n}, hyphens joined", text.replace("-\n", "")
    strings, seen = [], set()
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, TextStringObject):
            strings.append(str(obj))
        elif isinstance(obj, DictionaryObject):
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    yield from (("metadata and other text strings (title, outline, links, alternative text)", s) for s in strings)
    xmp = reader.trailer["/Root"].get("/Metadata")
    if xmp is not None:
        yield "XMP metadata", xmp.get_object().get_data().decode("utf-8", errors="replace")


def image_strings(mime: str, payload: str) -> list[str]:
    """The text an embedded image carries: an SVG's markup, a PNG's text chunks (title, description, software)."""
    try:
        data = base64.b64decode(re.sub(r"\s", "", payload))
    except ValueError:
        return []
    if "svg" in mime:
        return [html.unescape(data.decode("utf-8", errors="replace"))]
    return png_text(data) if data.startswith(b"\x89PNG") else []


def png_text(data: bytes) -> list[str]:
    """The keyword and text of every tEXt, zTXt and iTXt chunk of a PNG."""
    out, at = [], 8
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + size]
        at += 12 + size
        try:
            if kind == b"tEXt":
                out.append(body.replace(b"\0", b" ").decode("latin-1"))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                out.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, rest = rest[0], rest[2:]
                _lang, _, rest = rest.partition(b"\0")
                _key, _, text = rest.partition(b"\0")
                out.append(key.decode("latin-1") + " " + (zlib.decompress(text) if compressed else text).decode("utf-8", "replace"))
        except (zlib.error, IndexError):
            out.append(body.decode("latin-1"))  # a damaged chunk: its bytes are searched as they are
    return out


def _strings(value) -> Iterable[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
