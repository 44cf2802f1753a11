"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Selenium through
Debian's ``chromedriver`` (``make test`` installs both where apt-get works). Where either is
missing, the test asking for a browser is skipped with the reason printed."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def chrome(*flags: str) -> Any:
    """A headless Chromium (the caller quits it); ``flags`` are added to the usual ones."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "no browser: install Debian's chromium and chromium-driver (make test does this "
            "where apt-get works) to run the browser tests"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 *flags):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
