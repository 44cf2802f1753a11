"""report.html in a real browser: headless Chromium from Debian's package, driven by Selenium
with Debian's chromedriver, at a narrow (800 px) and a wide (1,400 px) window: nothing may pass
the right edge of the window. Skipped, with the reason printed, where there is no browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import linkage
from browser import chrome
from linkage import synthetic

pytestmark = pytest.mark.slow

#: Per table: its right edge and the window's width, measured in the page.
OVERFLOW_JS = """
const width = window.innerWidth;
const tables = [...document.querySelectorAll('table')].map((t, i) => ({
    index: i, right: t.getBoundingClientRect().right,
    heading: (t.closest('body') && t.previousElementSibling
              ? t.previousElementSibling.textContent.slice(0, 60) : '')}));
const cells = [...document.querySelectorAll('td, th')].filter(
    c => c.getBoundingClientRect().right > width + 0.5).length;
return {width: width, scrollWidth: document.documentElement.scrollWidth,
        tables: tables, cellsPastEdge: cells};
"""


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report_browser")
    report = linkage.run(synthetic.generate(1_500, seed=11).sources, quiet=True)
    return report.write(out)["report.html"]


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    browser = chrome()
    yield browser
    browser.quit()


def _open_at(driver, page: Path, width: int) -> dict:
    driver.set_window_size(width, 1000)
    driver.get(page.as_uri())
    inner = driver.execute_script("return window.innerWidth")
    if inner != width:  # the window's frame takes some pixels: size the viewport itself
        driver.set_window_size(width + (width - inner), 1000)
        driver.get(page.as_uri())
    return driver.execute_script(OVERFLOW_JS)


@pytest.mark.parametrize("width", [800, 1400])
def test_nothing_passes_the_right_edge_of_the_window(report_page, driver, width, tmp_path):
    measured = _open_at(driver, report_page, width)
    driver.save_screenshot(str(tmp_path / f"report-{width}.png"))
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(measured["width"], min(full, 16_000))
    driver.save_screenshot(str(tmp_path / f"report-{width}-full.png"))
    assert (tmp_path / f"report-{width}.png").stat().st_size > 0

    assert measured["width"] == width
    assert measured["scrollWidth"] <= width, f"the page scrolls sideways at {width} px"
    past = [t for t in measured["tables"] if t["right"] > width + 0.5]
    assert not past, f"tables cut off at {width} px: {past}"
    assert measured["cellsPastEdge"] == 0
    assert len(measured["tables"]) >= 8  # the page was really rendered, review and groups too


def test_the_review_table_and_the_groups_are_on_the_page(report_page, driver):
    _open_at(driver, report_page, 800)
    headings = driver.execute_script(
        "return [...document.querySelectorAll('h2, h3')].map(h => h.textContent)"
    )
    assert "Identities needing review" in headings
    assert "Statuses by group, with their uncertainty" in headings
    assert {"By country", "By sponsor's state", "By fiscal year"} <= set(headings)
