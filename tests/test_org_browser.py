"""The review page's organisation part in a real browser (Debian's chromium, Selenium)
against a real ``drr serve``: a reviewer finds a registry organisation by name and links a
record's organisation to it; the correction is kept under the reviewer's name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_service import SAMPLE, serving
from test_org_registry import sample_copy
from test_store import processed

from nlp.org_registry import load_registry
from workers.store import open_store

pytestmark = pytest.mark.service


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``drr serve`` on SQLite with the HSCIC sample as ``drr process`` enriches it."""
    url = f"sqlite:///{tmp_path / 'drr.sqlite'}"
    store = open_store(url)
    sha = processed(store, SAMPLE.read_bytes(), [])
    submission = store.submit(SAMPLE.read_bytes(), "s.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    rows = sample_copy()
    store.finish_job(submission.job_id, sha, "text", rows)
    with serving(store, url, tmp_path) as base:
        yield {"base": base, "store": store, "rows": rows,
               "token": store.create_token("reviewer", "Grace Hopper")}


def test_a_reviewer_links_a_records_organisation_to_the_registry(
        browser: Any, server: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    target = next(r for r in server["rows"] if r["fields"]["organisation"] == "NHS England - CSUs, CCGs")
    browser.get(server["base"] + "/review")
    browser.find_element(By.ID, "token").send_keys(server["token"])
    browser.find_element(By.XPATH, "//button[normalize-space()='Use this token']").click()

    def field(label: str) -> Any:
        found = browser.find_element(By.XPATH, f"//label[normalize-space()='{label}']")
        return browser.find_element(By.ID, found.get_attribute("for"))

    field("Record id").send_keys(target["record_id"])
    number = field("Organisation number in the record")
    number.clear()
    number.send_keys("2")
    field("Find a registry organisation").send_keys("Arden Greater East Midlands")
    browser.find_element(By.XPATH, "//button[normalize-space()='Find']").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "org-status"), "found"))
    csu = load_registry().resolve("NHS Arden and Greater East Midlands Commissioning Support Unit")
    Select(field("Registry organisation")).select_by_value(csu)
    field("Note on the organisation (optional)").send_keys("the CSU of this agreement")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save organisation']").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "org-status"), "Saved"))
    assert "CSUs is " + csu in browser.find_element(By.ID, "org-status").text

    [row] = server["store"].organisation_corrections_of(record_id=target["record_id"])
    assert (row["reviewer"], row["field"], row["old_value"], row["new_value"], row["note"]) == (
        "Grace Hopper", "id", None, csu, "the CSU of this agreement")
    stored = json.loads(server["store"].get_record(target["record_id"]))
    assert stored["entities"]["organisations"][1]["id"] == csu
    # a refusal is said in words: an organisation number the record does not have
    number.clear()
    number.send_keys("9")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save organisation']").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "org-status"), "Not saved"))
    assert "404" in browser.find_element(By.ID, "org-status").text
