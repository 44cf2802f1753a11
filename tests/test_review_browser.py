"""The review page in a real browser: headless Chromium from Debian's package, driven by
Selenium with Debian's chromedriver (``make test`` installs both where it can; elsewhere these
tests are skipped with the reason printed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import chrome
from linkage import synthetic
from linkage.review._server import ReviewServer
from linkage.store import Store

pytestmark = pytest.mark.slow

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = "<img src=x onerror=\"document.title='pwned'\">"
#: Where the screenshot of docs/review.md is kept (LINKAGE_SCREENSHOTS=1 writes it).
DOCS_IMAGE = Path(__file__).resolve().parents[1] / "docs" / "images" / "review.png"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[Store]:
    store = Store.create(tmp_path_factory.mktemp("browser") / "s.duckdb")
    store.update(synthetic.generate(1_000, seed=21).sources)
    yield store
    store.close()


@pytest.fixture
def page(store) -> Iterator[tuple[ReviewServer, object]]:
    driver = chrome("--window-size=1400,900")  # skips here, before serving, without a browser
    server = ReviewServer(store)
    driver.get(server.start())
    yield server, driver
    driver.quit()
    server.stop()


def _wait(driver, condition, timeout: float = 60):
    return WebDriverWait(driver, timeout).until(condition)


def _item_loaded(driver) -> None:
    try:
        _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "#item table.records")))
    except Exception as error:
        shown = driver.find_element(By.ID, "item").text
        raise AssertionError(f"no item shown; the page says: {shown[-1200:]!r}") from error


def _ready(driver) -> None:
    _wait(driver, lambda d: d.execute_script("return document.body.dataset.busy") == "false")
    _item_loaded(driver)


def _key(driver, key: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(key)


def _together(server: ReviewServer, a: str, b: str) -> bool:
    """Whether the store holds a and b in one identity (under the server's lock: the page's
    requests use the same connection)."""
    with server._lock:
        rows = server.store.con.execute(
            "SELECT count(DISTINCT identity_id) FROM linkage_store.clusters WHERE unique_id IN (?, ?)",
            [a, b],
        ).fetchall()
    return rows[0][0] == 1


def test_decide_reload_the_decision_is_kept_and_the_next_update_honours_it(page, tmp_path) -> None:
    server, driver = page
    queue = server.queue()["items"]
    weak = next(i for i, item in enumerate(queue) if item["kind"] == "weak_link")
    item = queue[weak]
    assert _together(server, item["unique_id_l"], item["unique_id_r"])
    _item_loaded(driver)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#list li")) == len(queue)
    for _ in range(weak):
        _key(driver, "j")
    _wait(driver, lambda d: item["record_id_r"] in d.find_element(By.ID, "item").text)
    shown = driver.find_element(By.CSS_SELECTOR, "#item table.records").text
    assert item["record_id_l"] in shown and item["record_id_r"] in shown
    assert driver.find_elements(By.CSS_SELECTOR, "#item table.waterfall tr")
    driver.find_element(By.ID, "reviewer").send_keys("ana")
    driver.find_element(By.ID, "note").send_keys("different mothers")
    driver.find_element(By.ID, "decide-different").click()
    _wait(driver, ec.text_to_be_present_in_element((By.ID, "status"), "Recorded"))
    if os.environ.get("LINKAGE_SCREENSHOTS"):
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(DOCS_IMAGE))
    # Reload: the decision is kept, the item has left the queue.
    driver.refresh()
    _item_loaded(driver)
    ids = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#list li")]
    assert len(ids) == len(queue) - 1
    driver.find_element(By.ID, "tab-decided").click()
    _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "#item table.decided")))
    decided = driver.find_element(By.CSS_SELECTOR, "#item table.decided").text
    assert item["record_id_r"] in decided and "different mothers" in decided and "ana" in decided
    # A later update honours it: the page's "Apply decisions" runs one.
    driver.find_element(By.ID, "apply").click()
    _wait(
        driver,
        ec.text_to_be_present_in_element(
            (
                By.ID,
                "status",
            ),
            "Applied",
        ),
        300,
    )
    assert not _together(server, item["unique_id_l"], item["unique_id_r"])
    assert "decision_applied 1" in driver.find_element(By.ID, "status").text


def test_names_are_shown_as_text_never_run_as_html(page) -> None:
    server, driver = page
    item = server.queue()["items"][0]
    with server._lock:  # the page's requests use the same connection
        server.store.con.execute("UPDATE linkage_store.records SET first_name = ?, last_name = ? WHERE unique_id = ?",
                                 [SCRIPT_NAME, IMG_NAME, item["unique_id_l"]])  # fmt: skip
    driver.refresh()
    _item_loaded(driver)
    _wait(driver, lambda d: SCRIPT_NAME in d.find_element(By.ID, "item").text)
    text = driver.find_element(By.ID, "item").text
    assert SCRIPT_NAME in text and IMG_NAME in text
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.title == "linkage review"
    assert not driver.find_elements(By.CSS_SELECTOR, "#item script, #item img")


def test_a_sample_is_checked_with_the_keyboard_and_gives_a_precision(page) -> None:
    server, driver = page
    _item_loaded(driver)
    driver.find_element(By.ID, "tab-sample").click()
    _item_loaded(driver)
    _wait(driver, ec.visibility_of_element_located((By.ID, "precision")))
    for count in range(1, 4):
        _key(driver, "s")
        _wait(driver, lambda d, c=count: f"from {c} sample decisions" in
              d.find_element(By.ID, "precision").text)  # fmt: skip
        _ready(driver)  # the next item is shown (a key before it is ignored, by design)
    _key(driver, "d")
    _wait(driver, lambda d: "from 4 sample decisions" in d.find_element(By.ID, "precision").text)
    text = driver.find_element(By.ID, "precision").text
    assert "Estimated precision of the links: 75.0%" in text
    modes = [d["mode"] for d in server.decisions()["decisions"]]
    assert modes.count("sample") >= 4


def test_the_page_asks_for_nothing_outside_the_machine(page) -> None:
    server, driver = page
    _item_loaded(driver)
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(f"http://127.0.0.1:{server.port}/") for u in urls)
