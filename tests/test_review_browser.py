"""The review page in a real browser: Debian's chromium driven by Selenium against a real
``drr serve``. A reviewer enters a token, corrects the least confident record, and the
correction is kept under the reviewer's name.

Chromium and chromedriver come from Debian (``.ci/run`` installs them); Selenium is pointed
at them so it never tries to download a browser. Without them this test fails, loudly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest_service import serving
from test_review import model_purpose, register
from test_store import processed, record

from workers.store import Store, open_store

pytestmark = pytest.mark.service





@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``drr serve`` on SQLite, with one register's rows stored and a reviewer's token."""
    url = f"sqlite:///{tmp_path / 'drr.sqlite'}"
    store = open_store(url)
    sha = processed(store, b"register A", [])
    submission = store.submit(b"register A", "r.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    rows = register(sha)
    store.finish_job(submission.job_id, sha, "text", rows)
    with serving(store, url, tmp_path) as base:
        yield {"base": base, "store": store, "rows": rows,
               "token": store.create_token("reviewer", "Grace Hopper")}


def test_a_reviewer_corrects_the_least_confident_record_in_the_page(
    browser: Any, server: dict[str, Any]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    rows = server["rows"]
    browser.get(server["base"] + "/review")
    browser.find_element(By.ID, "token").send_keys(server["token"])
    browser.find_element(By.XPATH, "//button[normalize-space()='Use this token']").click()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#rows tr")) == 4)
    shown = [tr.get_attribute("data-record-id")
             for tr in browser.find_elements(By.CSS_SELECTOR, "#rows tr")]
    assert shown == [rows[i]["record_id"] for i in (1, 4, 0, 2)]  # least confident first
    first = browser.find_element(By.CSS_SELECTOR, "#rows tr")
    assert "Org 1" in first.text and "0.38" in first.text
    # Inputs are found by their visible labels, as a screen reader user would find them.
    label = first.find_element(By.XPATH, ".//label[normalize-space()='Purpose label']")
    Select(browser.find_element(By.ID, label.get_attribute("for"))).select_by_visible_text(
        "commercial")
    note = first.find_element(By.XPATH, ".//label[normalize-space()='Note (optional)']")
    browser.find_element(By.ID, note.get_attribute("for")).send_keys("sells the analysis")
    first.find_element(By.XPATH, ".//button[normalize-space()='Save label']").click()
    wait.until(ready.staleness_of(first))  # the row leaves the queue
    wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "Saved"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#rows tr")) == 3
    assert browser.execute_script("return sessionStorage.getItem('drr-review-token')") \
        == server["token"]

    store: Store = server["store"]
    target = rows[1]["record_id"]
    [correction] = store.corrections_of(target)
    [token] = store.list_tokens()
    assert (correction.reviewer, correction.token_id, correction.old_value,
            correction.new_value, correction.note) == (
        "Grace Hopper", token.id, "research", "commercial", "sells the analysis")
    headers = {"Authorization": f"Bearer {server['token']}"}
    with httpx.Client(base_url=server["base"], headers=headers, timeout=30) as http:
        served = http.get(f"/records/{target}").json()
        assert (served["purpose"]["label"], served["purpose"]["source"]) == (
            "commercial", "reviewer")
        trail = http.get(f"/records/{target}/corrections").json()["corrections"]
        assert [c["reviewer"] for c in trail] == ["Grace Hopper"]
        queue = http.get("/review/queue").json()["records"]
        assert target not in [r["record_id"] for r in queue]
    # Reloading the page keeps the token for the session and shows the queue without the row.
    browser.refresh()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#rows tr")) == 3)
    assert json.dumps(target) not in browser.page_source


def _enter(browser: Any, server: dict[str, Any], token: str, shown: int) -> Any:
    """Open the page, use ``token`` and wait for ``shown`` rows; the wait is returned."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    browser.get(server["base"] + "/review")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.XPATH, "//button[normalize-space()='Use this token']").click()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#rows tr")) == shown)
    return wait


def test_a_token_that_cannot_correct_is_told_so_at_its_first_save(
    browser: Any, server: dict[str, Any]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready

    store: Store = server["store"]
    wait = _enter(browser, server, store.create_token("reader", "Reading Room"), 4)
    first = browser.find_element(By.CSS_SELECTOR, "#rows tr")
    first.find_element(By.XPATH, ".//button[normalize-space()='Save label']").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "Not saved"))
    assert "this token cannot correct labels: ask for a reviewer token" in \
        browser.find_element(By.ID, "status").text
    assert store.corrections_of() == []
    assert len(browser.find_elements(By.CSS_SELECTOR, "#rows tr")) == 4  # nothing left


def test_load_more_clicked_twice_loads_the_next_page_once(
    browser: Any, server: dict[str, Any]
) -> None:
    import time

    from selenium.webdriver.common.by import By

    store: Store = server["store"]
    sha = processed(store, b"register B", [])
    submission = store.submit(b"register B", "b.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    doubtful = [record(sha, i, organisation=f"B {i}", needs_review=True,
                       purpose=model_purpose("research", 0.3 + i / 100, True))
                for i in range(24)]
    store.finish_job(submission.job_id, sha, "text", doubtful)
    wait = _enter(browser, server, server["token"], 25)  # a page: 4 + 24 = 28 in the queue
    # Two clicks in one task: the second comes before the first page has arrived.
    browser.execute_script("const more = document.getElementById('more');"
                           "more.click(); more.click();")
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#rows tr")) >= 28)
    time.sleep(1)  # a second load of the same page would have arrived by now
    shown = [tr.get_attribute("data-record-id")
             for tr in browser.find_elements(By.CSS_SELECTOR, "#rows tr")]
    assert len(shown) == len(set(shown)) == 28
