"""The explorer and the grouped review page in a real browser: Debian's chromium driven by
Selenium against a real ``drr serve`` holding records ``drr process`` made of real
registers (``test_explorer.documents``).

A reader signs in and finds rows with the keyboard alone; each page is photographed and
the photograph checked: not blank, its key figures on screen and equal to counts made here
from the records, and no request for anything but the page itself.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_service import serving
from test_explorer import SEARCHES, WORKBOOK, fill, folded, recipients, words_of
from test_review import model_purpose
from test_store import processed, record

from workers.store import Store, open_store

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One ``drr serve`` for the tests that only read."""
    tmp_path = tmp_path_factory.mktemp("explorer-site")
    url = f"sqlite:///{tmp_path / 'drr.sqlite'}"
    store = open_store(url)
    records = fill(store)
    with serving(store, url, tmp_path) as base:
        yield {"base": base, "store": store, "records": records,
               "token": store.create_token("reader", "Ada"), "shots": tmp_path}


def _wait(browser: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 20)


def _sign_in(browser: Any, site: dict[str, Any], path: str) -> None:
    """Sign in as a keyboard user: the token field has the focus, Enter sends the form."""
    from selenium.webdriver.common.keys import Keys

    browser.get(site["base"] + path)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "token"  # autofocus: no pointer needed
    focused.send_keys(site["token"], Keys.ENTER)
    _wait(browser).until(lambda b: b.find_elements("css selector", "main h1")
                         and "Sign in" not in b.find_element("css selector", "main h1").text)


def _tab_to(browser: Any, found: Any, limit: int = 80) -> Any:
    """Press Tab until ``found(element)`` holds for the focused element."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        if found(focused):
            return focused
    raise AssertionError("never reached by Tab")


def test_a_reader_searches_and_follows_a_row_with_the_keyboard_alone(
    browser: Any, site: dict[str, Any]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _sign_in(browser, site, "/explore")
    holds = SEARCHES[0][1]
    wanted = [r for r in site["records"] if holds(words_of(r))]
    # The skip link comes first and takes the focus to the page's content.
    skip = _tab_to(browser, lambda e: e.text == "Skip to content", limit=2)
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "content"
    words = _tab_to(browser, lambda e: e.get_attribute("name") == "q")
    words.send_keys("invoice", Keys.ENTER)
    _wait(browser).until(lambda b: b.find_elements(By.ID, "found"))
    assert browser.find_element(By.ID, "found").text == f"{len(wanted)} release rows found"
    # A filter chosen from the keyboard: the sector list, then Enter sends the form.
    sector = _tab_to(browser, lambda e: e.get_attribute("name") == "sector")
    sector.send_keys("NHS commissioner")
    _tab_to(browser, lambda e: e.text == "Search").send_keys(Keys.ENTER)
    _wait(browser).until(lambda b: "sector=nhs_commissioner" in b.current_url)
    chosen = [r for r in wanted if any(o["sector"] == "nhs_commissioner" for o in recipients(r))]
    assert browser.find_element(By.ID, "found").text == f"{len(chosen)} release rows found"
    # The first row's recipient, reached by Tab, opened by Enter.
    link = _tab_to(browser, lambda e: "/explore/organisations/" in (e.get_attribute("href") or ""))
    name = link.text
    link.send_keys(Keys.ENTER)
    _wait(browser).until(lambda b: b.find_element(By.TAG_NAME, "h1").text == name)
    rows = [r for r in site["records"] if folded(r["fields"]["organisation"]) == folded(name)
            or any(folded(o["canonical"]) == folded(name) for o in recipients(r))]
    assert browser.find_element(By.ID, "total").text.split("\n")[0] == str(len(rows))


def _photograph(browser: Any, site: dict[str, Any], name: str) -> Any:
    """The page as a reader sees it: saved, and checked to be no blank page."""
    from PIL import Image

    png = browser.get_screenshot_as_png()
    (site["shots"] / f"{name}.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, f"{name}: a blank page ({len(colours)} colours)"
    background = max(colours)[0] / (image.width * image.height)
    assert background < 0.97, f"{name}: {background:.0%} of the page is one colour"
    return image


def _on_screen(browser: Any, element: Any) -> bool:
    top = element.location["y"]
    return element.is_displayed() and 0 <= top < browser.get_window_size()["height"] - 100


def _fetched(browser: Any) -> list[str]:
    """Every request the page made after its own HTML (scripts, styles, fonts, images)."""
    return [str(u) for u in browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")]


def test_each_page_shows_its_key_figures_and_fetches_nothing_else(
    browser: Any, site: dict[str, Any]
) -> None:
    from selenium.webdriver.common.by import By

    records = site["records"]
    agreement = [r for r in records
                 if (r["fields"]["reference"] or "").startswith("DARS-NIC-110660-G9W6M")]
    stockport = [r for r in records if r["fields"]["organisation"] == "NHS Stockport CCG"]
    row = next(r for r in records if r["source"]["filename"] == WORKBOOK.name)
    pages = [
        ("search", "/explore", "found", f"{len(records)} release rows found"),
        ("organisation", "/explore/organisations/NHS%20Stockport%20CCG", "total",
         f"{len(stockport)}\nrelease rows"),
        ("agreement", "/explore/agreements/NIC-110660-G9W6M", "total",
         f"{len(agreement)}\nrelease rows"),
        ("record", f"/explore/records/{row['record_id']}", None,
         f"Release row {row['record_id']}"),
    ]
    browser.get(site["base"] + "/explore")
    _photograph(browser, site, "sign-in")
    assert _on_screen(browser, browser.find_element(By.ID, "token"))
    _sign_in(browser, site, "/explore")
    for name, path, figure, said in pages:
        browser.get(site["base"] + path)
        _photograph(browser, site, name)
        heading = browser.find_element(By.TAG_NAME, "h1")
        shown = browser.find_element(By.ID, figure) if figure else heading
        assert shown.text == said, name
        assert _on_screen(browser, heading) and _on_screen(browser, shown), name
        assert _fetched(browser) == [], f"{name} fetched {_fetched(browser)}"
        assert not browser.find_elements(By.TAG_NAME, "script"), name


@pytest.fixture
def review_site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """One statement printed on five rows of one register (one per dataset), and two others."""
    url = f"sqlite:///{tmp_path / 'drr.sqlite'}"
    store = open_store(url)
    sha = processed(store, b"register G", [])
    statement = ("To link hospital episodes with cancer registrations, to study survival "
                 "after surgery.")
    rows = []
    for i in range(7):
        organisation = "University of Leeds" if i < 5 else f"Other {i}"
        body = record(sha, i, organisation=organisation,
                      purpose=model_purpose("research", 0.40 + i / 100, True),
                      needs_review=True)
        body["fields"].update(purpose=statement if i < 5 else f"Another purpose {i}.")
        rows.append(body)
    submission = store.submit(b"register G", "g.csv", again=True)
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, sha, "text", rows)
    with serving(store, url, tmp_path) as base:
        yield {"base": base, "store": store, "rows": rows,
               "token": store.create_token("reviewer", "Grace Hopper"), "shots": tmp_path}


def test_a_statement_on_five_rows_is_labelled_once_for_them_all(
    browser: Any, review_site: dict[str, Any]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.select import Select

    wait = _wait(browser)
    browser.get(review_site["base"] + "/review")
    browser.find_element(By.ID, "token").send_keys(review_site["token"])
    browser.find_element(By.XPATH, "//button[normalize-space()='Use this token']").click()
    wait.until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#rows tr")) == 3)
    status = browser.find_element(By.ID, "status")
    assert "3 of 3 statements shown (7 rows in the queue)" in status.text
    _photograph(browser, review_site, "review")
    assert _on_screen(browser, status)
    first = browser.find_element(By.CSS_SELECTOR, "#rows tr")
    assert "University of Leeds" in first.text and "5 rows" in first.text
    assert "r.txt: rows 1, 2, 3, 4, 5" in first.text  # the source document and its rows
    label = first.find_element(By.XPATH, ".//label[normalize-space()='Purpose label']")
    Select(browser.find_element(By.ID, label.get_attribute("for"))).select_by_visible_text(
        "commercial")
    first.find_element(By.XPATH, ".//button[normalize-space()='Save label']").click()
    wait.until(ready.staleness_of(first))
    wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "(5 rows)"))
    store: Store = review_site["store"]
    for row in review_site["rows"][:5]:  # each row keeps its own correction in its trail
        [correction] = store.corrections_of(row["record_id"])
        assert (correction.reviewer, correction.new_value) == ("Grace Hopper", "commercial")
        served = json.loads(store.get_record(row["record_id"]) or "{}")
        assert served["purpose"]["source"] == "reviewer"
    assert [c.record_id for c in store.corrections_of()] == [
        r["record_id"] for r in review_site["rows"][:5]]
    assert store.review_totals() == (2, 2)
