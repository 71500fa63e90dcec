"""Step 4: what a reader's tools see in the outputs (used by the tests and by
``python -m analysis.report --browser-check``): headless Chromium on the HTML, at a
phone's width and a desktop's; the text, type sizes, image descriptions and outline of
the PDF."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: Flags that keep headless Chromium from calling home while it opens the report.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    "--disable-default-apps", "--disable-extensions",
)
CHROMIUM = os.environ.get("COERCION_CHROMIUM", "/usr/bin/chromium")
#: Screen widths (CSS pixels) the HTML must fit without scrolling sideways: a phone
#: (390 px, the most common width) and a desktop.
SCREEN_WIDTHS = (390, 1280)
#: Elements sticking out of the screen, in CSS pixels, with what they are.
_TOO_WIDE = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest('.table-scroll'))
  .slice(0, 10).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''}: right edge at ${Math.round(e.getBoundingClientRect().right)} px`)"""
#: The images a reader sees: their class, drawn width and the image's own width, in pixels.
_VISIBLE_IMAGES = """() => Array.from(document.images).filter(i => i.offsetParent !== null)
  .map(i => [i.className, Math.round(i.getBoundingClientRect().width), i.naturalWidth])"""


@dataclass
class ScreenReport:
    """The page at one screen width: how wide the document is, what sticks out, the images shown."""

    width: int
    document_width: int
    too_wide: list[str]
    images: list[tuple[str, int, int]]
    screenshot: Path | None = None

    @property
    def problems(self) -> list[str]:
        if self.document_width <= self.width:
            return []
        return [f"at {self.width} px the page is {self.document_width} px wide and scrolls sideways: {'; '.join(self.too_wide)}"]


@dataclass
class BrowserReport:
    """What headless Chromium saw while loading an HTML file."""

    console_errors: list[str]
    page_errors: list[str]
    external_requests: list[str]
    broken_images: list[str]
    n_images: int
    element_ids: list[str]
    screenshot: Path | None = None
    screens: dict[int, ScreenReport] | None = None

    @property
    def duplicate_ids(self) -> list[str]:
        return sorted({i for i in self.element_ids if self.element_ids.count(i) > 1})

    @property
    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request for something outside the file: {u}" for u in self.external_requests]
            + [f"broken image: {s}" for s in self.broken_images]
            + [f"duplicate element id: {i}" for i in self.duplicate_ids]
            + [p for screen in (self.screens or {}).values() for p in screen.problems]
        )


def check_html(html: Path, screenshot: Path | None = None, widths: tuple[int, ...] = SCREEN_WIDTHS) -> BrowserReport:
    """Open ``html`` in headless Chromium; record console errors, page errors, every
    request other than for the file itself (a self-contained file needs none, not even a
    sibling file; each is blocked, so nothing leaves the machine), images that did not
    load, the element ids, and the page at each of ``widths`` (:class:`ScreenReport`; with
    ``screenshot``, a screenshot of each beside it, ``<stem>-<width>.png``). Needs the
    ``playwright`` package and Chromium."""
    from playwright.sync_api import sync_playwright

    html = Path(html).resolve()
    console: list[str] = []
    errors: list[str] = []
    external: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if url.startswith(("data:", "about:")) or url == html.as_uri():
            r.continue_()
        else:
            external.append(url)
            r.abort()

    # Playwright starts the browser on a fresh temporary profile of its own.
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", route)
            page.goto(html.as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.getAttribute('src') ? i.getAttribute('src').slice(0, 60) : '', i.complete && i.naturalWidth > 0])"
            )
            ids = page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
            if screenshot:
                page.screenshot(path=str(screenshot), full_page=False)
            screens = {w: _screen(browser, html, w, screenshot) for w in widths}
        finally:
            browser.close()
    return BrowserReport(
        console_errors=console,
        page_errors=errors,
        external_requests=external,
        broken_images=[src for src, ok in images if not ok],
        n_images=len(images),
        element_ids=ids,
        screenshot=screenshot,
        screens=screens,
    )


def _screen(browser, html: Path, width: int, screenshot: Path | None) -> ScreenReport:
    """The page in a window ``width`` CSS pixels wide (a phone's height for a phone). Requests
    for anything but the file are blocked again (the first load has reported them)."""
    page = browser.new_page(viewport={"width": width, "height": 844 if width < 600 else 900})
    try:
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("data:", "about:")) or r.request.url == html.as_uri() else r.abort())
        page.goto(html.as_uri(), wait_until="load")
        shot = None
        if screenshot:
            shot = Path(screenshot).with_name(f"{Path(screenshot).stem}-{width}.png")
            page.screenshot(path=str(shot), full_page=False)
        return ScreenReport(
            width=width,
            document_width=page.evaluate("document.documentElement.scrollWidth"),
            too_wide=page.evaluate(_TOO_WIDE),
            images=[tuple(i) for i in page.evaluate(_VISIBLE_IMAGES)],
            screenshot=shot,
        )
    finally:
        page.close()


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (pdftotext when installed, else pypdf), whitespace collapsed."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pdf_text_sizes(pdf: Path) -> list[tuple[float, int, str]]:
    """Every run of text in the PDF as (size in points as printed, page number, text)."""
    import math

    from pypdf import PdfReader

    runs: list[tuple[float, int, str]] = []
    for number, page in enumerate(PdfReader(str(pdf)).pages, 1):
        def visit(text, cm, tm, font, size, number=number):
            if text.strip():
                scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
                runs.append((round(size * scale, 2), number, text.strip()))

        page.extract_text(visitor_text=visit)
    return runs


def pdf_image_descriptions(pdf: Path) -> list[str]:
    """The alternative text (``/Alt``) of the PDF's tagged figures, in document order."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject

    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, ArrayObject):
            for kid in node:
                walk(kid)
        elif isinstance(node, DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    root = PdfReader(str(pdf)).trailer["/Root"]
    if "/StructTreeRoot" in root:
        walk(root["/StructTreeRoot"])
    return found


def pdf_outline(pdf: Path) -> list[tuple[int, str]]:
    """The PDF's outline (its bookmarks) as (level, title), level 1 for the top."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    out: list[tuple[int, str]] = []

    def walk(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, str(item.title)))

    walk(reader.outline, 1)
    return out
