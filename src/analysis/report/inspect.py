"""Step 4: what a reader's tools see in the outputs (used by the tests and by
``python -m analysis.report --browser-check``): headless Chromium on the HTML, the text
of the PDF."""

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

    @property
    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request for something outside the file: {u}" for u in self.external_requests]
            + [f"broken image: {s}" for s in self.broken_images]
        )


def check_html(html: Path, screenshot: Path | None = None) -> BrowserReport:
    """Open ``html`` in headless Chromium; record console errors, page errors, every
    request other than for the file itself (a self-contained file needs none, not even a
    sibling file; each is blocked, so nothing leaves the machine) and images that did not
    load. Needs the ``playwright`` package and Chromium."""
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
    )


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (pdftotext when installed, else pypdf), whitespace collapsed."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))
