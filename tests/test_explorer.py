"""The explorer and the indexed fields, on SQLite and PostgreSQL, against records ``drr
process`` makes of real registers: the hscic-2014 sample (a text dump: line provenance),
a cut of NHS Digital's February 2021 workbook (agreements of many rows, sheet provenance),
PHE's 2017-18 CSV (dates, ODR references) and a register rendered from the NHS data uses
register's agreement sample (the register's own commercial flag).

Every figure a page shows is compared with a count made here from the records themselves.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lxml.html
import pytest
import sqlalchemy as sa
from alembic import command
from conftest_service import ROOT, SAMPLE, drr, new_database_url
from fastapi.testclient import TestClient
from test_store import record

from api.app import create_app
from workers.settings import Settings
from workers.store import Store, alembic_config, open_store

pytestmark = pytest.mark.service

SHARED = ROOT.parent / "shared" / "corpora-raw"
WORKBOOK = ROOT / "corpora" / "sheets" / "nhs-digital-2021-02-cut.xlsx"
PHE = ROOT / "corpora" / "sheets" / "phe-odr-2017-18.csv"
AGREEMENTS = SHARED / "nhs-data-uses-register-agreements-sample" / "agreement-labels-sample.csv"


def commercial_register() -> bytes:
    """The agreement sample's rows as a register with its "For Commercial Purposes" column,
    every value as the sample has it."""
    with AGREEMENTS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Reference", "Organisation", "Organisation Type", "For Commercial Purposes"])
    for row in rows:
        writer.writerow([row["base_reference"], row["org_name_in_2021-02_register"],
                         row["organisation_type_in_2021-02_register"],
                         row["first_listed_version.commercial"]])
    return out.getvalue().encode("utf-8")


def process_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DRR_")}


@lru_cache(maxsize=1)
def documents() -> tuple[tuple[str, bytes, tuple[str, ...]], ...]:
    """(file name, bytes, the records ``drr process`` writes for it), once per test run."""
    commercial = Path(tempfile.mkdtemp(prefix="drr-explorer-")) / "commercial-register.csv"
    commercial.write_bytes(commercial_register())
    paths = [SAMPLE, WORKBOOK, PHE, commercial]
    done = drr(["process", *map(str, paths)], process_env())
    assert done.returncode == 0, done.stderr
    by_sha: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        by_sha.setdefault(json.loads(line)["source"]["document_sha256"], []).append(line)
    out = []
    for path in paths:
        data = path.read_bytes()
        out.append((path.name, data, tuple(by_sha[hashlib.sha256(data).hexdigest()])))
    return tuple(out)


def fill(store: Store) -> list[dict[str, Any]]:
    """Store every document's records as a finished job would; the records, in store order."""
    stored = []
    for name, data, lines in documents():
        submission = store.submit(data, name)
        assert store.start_delivery(submission.job_id) is not None
        rows = [json.loads(line) for line in lines]
        store.finish_job(submission.job_id, submission.document_sha256, "text", rows)
        stored += rows
    return stored


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """One store of each kind for the tests that only read (filled once: ~1 s each)."""
    for url in new_database_url(request.param, tmp_path_factory.mktemp("explorer")):
        store = open_store(url)
        records = fill(store)
        token = store.create_token("reader", "Ada")
        try:
            with TestClient(create_app(Settings(), store, lambda job: None)) as http:
                http.headers["Authorization"] = f"Bearer {token}"
                yield {"http": http, "records": records, "store": store, "token": token}
        finally:
            store.dispose()


def page(answer: Any) -> Any:
    assert answer.headers["content-type"].startswith("text/html"), answer.text[:200]
    return lxml.html.fromstring(answer.text)


def text_of(tree: Any, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


def shown_ids(tree: Any) -> list[str]:
    return [str(i) for i in tree.xpath("//tr/@data-record-id")]


def words_of(record: dict[str, Any]) -> str:
    fields = record["fields"]
    return f"{fields.get('purpose') or ''} {fields.get('title') or ''}".lower()


def recipients(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in record["entities"]["organisations"] if o["field"] == "organisation"]


def folded(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


# full-text search and the filters of /records


SEARCHES: list[tuple[str, Callable[[str], bool]]] = [
    # Stemmed on both databases: "invoice" finds invoices, invoicing (porter / snowball).
    ("invoice", lambda t: re.search(r"\binvoic(e|es|ed|ing)\b", t) is not None),
    # "validation" and "valid" are one stem on both.
    ("invoice validation", lambda t: re.search(r"\binvoic(e|es|ed|ing)\b", t) is not None
     and re.search(r"\bvalid(ate|ates|ated|ating|ation|ations|ity|ly)?\b", t) is not None),
    ("screening", lambda t: re.search(r"\bscreen(s|ed|ing|ings)?\b", t) is not None),
]


@pytest.mark.parametrize("words, holds", SEARCHES, ids=[w for w, _ in SEARCHES])
def test_full_text_search_finds_exactly_the_rows_with_the_words(
    loaded: dict[str, Any], words: str, holds: Callable[[str], bool]
) -> None:
    wanted = [r["record_id"] for r in loaded["records"] if holds(words_of(r))]
    assert wanted, f"{words!r} is in no record: the check proves nothing"
    got = loaded["http"].get("/records", params={"q": words, "limit": 1000}).json()["records"]
    assert [r["record_id"] for r in got] == wanted


def test_search_words_are_words_not_query_syntax(loaded: dict[str, Any]) -> None:
    http = loaded["http"]
    # FTS5 and tsquery operators are read as the words they contain, never as syntax.
    for text in ('"invoice" OR (', "invoice*", "NEAR(invoice validation)", "invoice & !x"):
        answer = http.get("/records", params={"q": text})
        assert answer.status_code == 200, (text, answer.text)
    assert http.get("/records", params={"q": "***"}).json()["records"] == []


def test_each_filter_selects_what_the_records_say(loaded: dict[str, Any]) -> None:
    records, http = loaded["records"], loaded["http"]
    printed = next(r for r in records if r["fields"]["legal_basis"])["fields"]["legal_basis"]
    cited = next(o for r in records for o in r["entities"]["organisations"]
                 if o["field"] != "organisation")
    checks: list[tuple[dict[str, str], Callable[[dict[str, Any]], bool]]] = [
        ({"legal_basis": printed.upper()},
         lambda r: folded(r["fields"]["legal_basis"]) == folded(printed)),
        ({"commercial": "true"}, lambda r: r["fields"]["commercial"] == "Yes"),
        ({"commercial": "false"}, lambda r: r["fields"]["commercial"] == "No"),
        ({"agreement": "nic-110660-g9w6m"},
         lambda r: (r["fields"]["reference"] or "").startswith("DARS-NIC-110660-G9W6M")),
        ({"mentions": cited["canonical"]},
         lambda r: any(folded(cited["canonical"]) in (folded(o["canonical"]), folded(o["text"]))
                       for o in r["entities"]["organisations"])),
        ({"sector": "academic"}, lambda r: any(o["sector"] == "academic" for o in recipients(r))),
        ({"date_from": "2017-06-01", "date_to": "2017-06-30"},
         lambda r: "2017-06-01" <= (r["fields"]["date_released"] or "") <= "2017-06-30"),
    ]
    ids = [o["id"] for r in records for o in recipients(r) if o.get("id")]
    if ids:  # registry ids are the organisation registry's (issue 12) when it is there
        checks.append(({"organisation_id": ids[0]},
                       lambda r: any(o.get("id") == ids[0] for o in r["entities"]["organisations"])))
    for params, wanted in checks:
        got = http.get("/records", params={**params, "limit": 1000}).json()["records"]
        expected = [r["record_id"] for r in records if wanted(r)]
        assert [r["record_id"] for r in got] == expected, params
        assert expected, f"{params} selects nothing: the check proves nothing"


def test_organisation_is_the_recipient_and_mentions_any_organisation(
    loaded: dict[str, Any],
) -> None:
    records, http = loaded["records"], loaded["http"]

    def as_recipient(name: str) -> list[str]:
        return [r["record_id"] for r in records if folded(r["fields"]["organisation"]) == name
                or any(folded(o["canonical"]) == name for o in recipients(r))]

    def mentioning(name: str) -> list[str]:
        return [r["record_id"] for r in records
                if any(name in (folded(o["canonical"]), folded(o["text"]))
                       for o in r["entities"]["organisations"])]

    # A recipient that other recipients' rows also name, in their purpose text.
    names = sorted({folded(o["canonical"]) for r in records for o in recipients(r)})
    name = next(n for n in names if as_recipient(n) and set(as_recipient(n)) < set(mentioning(n)))
    by = {k: [r["record_id"] for r in http.get("/records", params={k: name, "limit": 1000})
              .json()["records"]] for k in ("organisation", "mentions")}
    assert by == {"organisation": as_recipient(name), "mentions": mentioning(name)}


def test_an_unknown_sector_is_refused_with_the_valid_ones(loaded: dict[str, Any]) -> None:
    answer = loaded["http"].get("/records", params={"sector": "bank"})
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert all(f"'{s}'" in message for s in ("academic", "commercial", "nhs_provider", "other"))
    explorer = loaded["http"].get("/explore", params={"sector": "bank"})
    assert explorer.status_code == 422
    assert "nhs_commissioner" in " ".join(text_of(page(explorer), "//*[@id='problem']"))


def test_the_openapi_parameters_are_the_declared_fields(loaded: dict[str, Any]) -> None:
    from workers.fields import FIELDS

    spec = loaded["http"].get("/openapi.json").json()
    names = [p["name"] for p in spec["paths"]["/records"]["get"]["parameters"]]
    assert names == [f.name for f in FIELDS] + ["limit", "cursor"]


# the pages


def test_the_search_page_counts_and_lists_the_matching_rows(loaded: dict[str, Any]) -> None:
    records, http = loaded["records"], loaded["http"]
    holds = SEARCHES[0][1]
    wanted = [r["record_id"] for r in records if holds(words_of(r))]
    tree = page(http.get("/explore", params={"q": "invoice", "dataset": ""}))
    [heading] = text_of(tree, "//h2[@id='found']")
    assert heading == f"{len(wanted)} release rows found"
    labels = Counter(r["purpose"]["label"] for r in records if r["record_id"] in wanted)
    figures = text_of(tree, "//ul[@aria-label='By purpose']/li")
    assert figures == [f"{labels[k]}{k}" for k in ("commercial", "research", "commissioning")
                       if labels[k]]
    # Every row once, page after page, by the "Next" links a reader follows.
    seen = shown_ids(tree)
    while next_link := tree.xpath("//a[@rel='next']/@href"):
        tree = page(http.get(next_link[0]))
        seen += shown_ids(tree)
    assert seen == wanted


def test_filters_combine_on_the_search_page(loaded: dict[str, Any]) -> None:
    records, http = loaded["records"], loaded["http"]
    wanted = [r["record_id"] for r in records if r["fields"]["commercial"] == "Yes"
              and any(o["sector"] == "commercial" for o in recipients(r))]
    assert wanted
    tree = page(http.get("/explore", params={"commercial": "true", "sector": "commercial"}))
    assert shown_ids(tree) == wanted
    assert tree.xpath("//select[@name='sector']/option[@selected]/@value") == ["commercial"]


def _commonest_printed(pairs: list[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """folded value -> (its commonest printed form, ties alphabetical; rows holding it),
    from (record id, printed value) pairs in the record's order, each value once per
    record, both cut as the store's column cuts them (500 characters)."""
    first: dict[tuple[str, str], str] = {}  # a record's first printed form of a value
    for record_id, value in pairs:
        first.setdefault((record_id, folded(value)[:500]), " ".join(value.split())[:500])
    rows = Counter(value for _, value in first)
    forms = Counter((value, form) for (_, value), form in first.items())
    best: dict[str, str] = {}
    for (value, form), _ in sorted(forms.items(), key=lambda x: (-x[1], x[0][1])):
        best.setdefault(value, form)
    return {v: (best[v], n) for v, n in rows.items()}


def test_the_filter_lists_show_values_as_printed_without_rows_own_references(
    loaded: dict[str, Any],
) -> None:
    records, http = loaded["records"], loaded["http"]
    tree = page(http.get("/explore"))

    def offered(name: str) -> list[tuple[str, str]]:
        return [(o.get("value"), " ".join(o.text_content().split()))
                for o in tree.xpath(f"//select[@name='{name}']/option[@value!='']")]

    own = {folded(a["canonical"]) for r in records for a in r["entities"]["approval_references"]
           if a["field"] == "reference" or a["scheme"] == "NIC"}
    cited = [(r["record_id"], a["canonical"]) for r in records
             for a in r["entities"]["approval_references"]
             if a["field"] != "reference" and a["scheme"] != "NIC"]
    bases = [(r["record_id"], r["fields"]["legal_basis"]) for r in records
             if (r["fields"]["legal_basis"] or "").strip()]
    datasets = [(r["record_id"], d["canonical"]) for r in records
                for d in r["entities"]["datasets"] if d["canonical"]]
    for name, pairs in (("approval", cited), ("legal_basis", bases), ("dataset", datasets)):
        expected = _commonest_printed(pairs)
        shown = offered(name)
        assert shown and len(shown) == min(len(expected), 100), name
        for value, label in shown:
            form, n = expected[value]
            assert label == f"{form} ({n:,})", (name, value)
        counts = [expected[v][1] for v, _ in shown]
        assert counts == sorted(counts, reverse=True), name
        assert any(label != label.lower() for _, label in shown), name
    assert own and not own & {v for v, _ in offered("approval")}


def test_the_organisation_page_figures_are_the_records(loaded: dict[str, Any]) -> None:
    records, http = loaded["records"], loaded["http"]
    name = "NHS Stockport CCG"
    mine = [r for r in records if folded(r["fields"]["organisation"]) == folded(name)
            or any(folded(o["canonical"]) == folded(name) for o in recipients(r))]
    assert len(mine) > 20
    tree = page(http.get(f"/explore/organisations/{name}"))
    assert text_of(tree, "//h1") == [name]
    assert text_of(tree, "//li[@id='total']") == [f"{len(mine)}release rows"]
    datasets = Counter(folded(d["canonical"]) for r in mine
                       for d in {d["canonical"]: d for d in r["entities"]["datasets"]}.values())
    # Shown as printed: the commonest printed form of each folded value, not lower case.
    forms = Counter((folded(d["canonical"]), " ".join(d["canonical"].split())) for r in mine
                    for d in {folded(d["canonical"]): d
                              for d in r["entities"]["datasets"]}.values())
    printed = {}
    for (value, form), n in sorted(forms.items(), key=lambda x: (-x[1], x[0][1])):
        printed.setdefault(value, form)
    datasets = Counter({printed[v]: n for v, n in datasets.items()})
    assert any(name != name.lower() for name in datasets)
    shown = {row[0]: int(row[1]) for row in (
        text_of(tr, "./td") for tr in tree.xpath("//h2[.='Datasets']/following-sibling::table[1]"
                                                  "/tbody/tr"))}
    assert shown == dict(datasets.most_common(30))
    years = Counter((r["fields"]["date_released"] or "")[:4] or "no date" for r in mine)
    assert {row[0]: int(row[1]) for row in (text_of(tr, "./td") for tr in
            tree.xpath("//table[@class='years']/tbody/tr"))} == years
    assert shown_ids(tree) == [r["record_id"] for r in mine][:50]
    assert tree.xpath("//svg[@role='img']/rect")  # the chart is drawn, inline


def test_the_agreement_page_lists_its_rows_and_where_each_was_read(
    loaded: dict[str, Any],
) -> None:
    records, http = loaded["records"], loaded["http"]
    rows = [r for r in records if (r["fields"]["reference"] or "").startswith(
        "DARS-NIC-110660-G9W6M")]
    assert len(rows) > 10
    tree = page(http.get("/explore/agreements/NIC-110660-G9W6M"))
    assert text_of(tree, "//h1") == ["Agreement NIC-110660-G9W6M"]
    assert shown_ids(tree) == [r["record_id"] for r in rows]
    where = text_of(tree, "//table[caption[contains(., 'differs')]]/tbody/tr/td[2]")
    assert where == [f"{WORKBOOK.name}, sheet {r['source']['cells']['row_id']['sheet']}, "
                     f"row {r['source']['cells']['row_id']['lines'][0]}" for r in rows]
    # What every row prints alike is said once: the purpose statement.
    said = dict(zip(text_of(tree, "//dl/dt"), text_of(tree, "//dl/dd"), strict=True))
    assert said["purpose"] == " ".join(rows[0]["fields"]["purpose"].split())
    said = text_of(tree, "//h2[@id='changes']/following-sibling::p[1]")[0]
    assert said == "No change recorded between the editions held."


def test_the_record_page_names_the_line_of_each_cell(loaded: dict[str, Any]) -> None:
    record = next(r for r in loaded["records"] if r["source"]["filename"] == SAMPLE.name)
    tree = page(loaded["http"].get(f"/explore/records/{record['record_id']}"))
    cells = {row[0]: row[2] for row in (text_of(tr, "./*") for tr in tree.xpath(
        "//table[caption[contains(., 'cell it came from')]]/tbody/tr"))}
    first, last = record["source"]["cells"]["purpose"]["lines"]
    assert cells["purpose"] == (f"line {first}" if first == last else f"lines {first}–{last}")
    assert cells["organisation"] == f"line {record['source']['cells']['organisation']['lines'][0]}"


@lru_cache(maxsize=1)
def two_editions() -> tuple[str, tuple[tuple[str, bytes, tuple[str, ...]], ...]]:
    """PHE's CSV and a next edition of it with one agreement's purpose reworded: (that
    agreement's reference, each edition's name, bytes and records), one ``drr process``."""
    old = PHE.read_bytes()
    rows = list(csv.reader(io.StringIO(old.decode("utf-8"))))
    header, target = rows[0], rows[3]
    target[header.index("Purpose")] = "Reworded: " + target[header.index("Purpose")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    edition = Path(tempfile.mkdtemp(prefix="drr-explorer-")) / "phe-odr-2017-18-next.csv"
    edition.write_bytes(out.getvalue().encode("utf-8"))
    done = drr(["process", str(PHE), str(edition)], process_env())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    by_sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (PHE, edition)}
    return target[header.index("ODR Reference")], tuple(
        (path.name, path.read_bytes(),
         tuple(x for x in lines if json.loads(x)["source"]["document_sha256"] == by_sha[path.name]))
        for path in (PHE, edition))


def test_the_agreement_page_shows_its_changes_between_editions(store: Store) -> None:
    from workers.diff import agreement_key

    reference, editions = two_editions()
    for name, data, lines in editions:
        submission = store.submit(data, name)
        store.start_delivery(submission.job_id)
        store.finish_job(submission.job_id, submission.document_sha256, "csv",
                         [json.loads(line) for line in lines])
    with TestClient(create_app(Settings(public_read=True), store, lambda job: None)) as http:
        tree = page(http.get(f"/explore/agreements/{agreement_key(reference)}"))
    changes = [text_of(tr, "./td") for tr in tree.xpath(
        "//h2[@id='changes']/following-sibling::table[1]/tbody/tr")]
    assert [(c[0].split()[0], c[1]) for c in changes] == [("amended", "purpose")]
    assert changes[0][3].startswith("purpose: Reworded:")


def test_a_dataset_dropped_from_an_agreement_is_named_in_its_changes(store: Store) -> None:
    """The workbook cut's records, and a next edition without one data set row of an
    agreement of many: the change names that data set, not a list cut to 200 characters."""
    from api.explorer import change_view
    from workers.diff import diff_editions, record_agreement

    old = [json.loads(line) for line in documents()[1][2]]
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in old:
        rows.setdefault(record_agreement(r), []).append(r)
    agreement, its = next((k, v) for k, v in rows.items() if len(v) >= 8)
    printed = Counter(r["fields"]["data_type"] for r in its)
    dropped = next(r for r in reversed(its) if printed[r["fields"]["data_type"]] == 1)
    [change] = diff_editions(old, [r for r in old if r is not dropped])
    assert (change["agreement"], change["fields"]) == (agreement, ["data_type"])
    shown = change_view(change)
    stayed = len(printed) - 1
    unchanged = f"({stayed:,} others unchanged)"
    assert shown["lines"] == [("data_type", f"{dropped['fields']['data_type']} {unchanged}",
                               f"none {unchanged}")]
    app = create_app(Settings(public_read=True), store, lambda job: None)
    html = app.state.explorer.get_template("_changes.html").render(
        agreement=agreement, changes=[shown])
    cells = text_of(lxml.html.fromstring(html), "//tbody/tr/td")
    assert cells[2] == f"data_type: {dropped['fields']['data_type']} {unchanged}"
    assert "[" not in cells[2] + cells[3]


# who may read, and what a page may print


def test_reading_the_pages_needs_a_token_kept_in_a_cookie(loaded: dict[str, Any]) -> None:
    store: Store = loaded["store"]
    with TestClient(create_app(Settings(), store, lambda job: None)) as browser:
        first = browser.get("/explore/organisations/Monitor?x=1")
        assert first.status_code == 401
        form = page(first)
        assert form.xpath("//input[@name='next']/@value") == ["/explore/organisations/Monitor?x=1"]
        wrong = browser.post("/explore/sign-in", data={"token": "drr_nope", "next": "/explore"})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
        # A place elsewhere is never where signing in leads.
        signed = browser.post("/explore/sign-in", data={"token": loaded["token"],
                                                        "next": "https://example.org/"},
                              follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/explore"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/explore" in cookie
        assert browser.get("/explore/organisations/Monitor").status_code == 200
        browser.post("/explore/sign-out")
        assert browser.get("/explore").status_code == 401
    submitter = store.create_token("submitter", "Sam")
    with TestClient(create_app(Settings(), store, lambda job: None)) as browser:
        browser.headers["Authorization"] = f"Bearer {submitter}"
        assert browser.get("/explore").status_code == 200  # any role reads


def test_an_agreement_page_answers_the_reference_as_printed(loaded: dict[str, Any]) -> None:
    from workers.diff import agreement_key

    printed = next(r["fields"]["reference"] for r in loaded["records"]
                   if str(r["fields"].get("reference") or "").startswith("DARS-NIC-"))
    key = agreement_key(printed)
    assert printed != key
    canonical = page(loaded["http"].get(f"/explore/agreements/{key}"))
    as_printed = page(loaded["http"].get(f"/explore/agreements/{quote(printed, safe='')}"))
    assert text_of(as_printed, "//h1") == text_of(canonical, "//h1") == [f"Agreement {key}"]
    assert shown_ids(as_printed) == shown_ids(canonical)


def test_sign_out_is_offered_only_to_those_signed_in(loaded: dict[str, Any]) -> None:
    def offered(answer: Any) -> bool:
        return bool(page(answer).xpath("//form[@action='/explore/sign-out']"))

    with TestClient(create_app(Settings(public_read=True), loaded["store"],
                               lambda job: None)) as browser:
        assert not offered(browser.get("/explore"))
        assert not offered(browser.get("/explore/sign-in"))
        signed = browser.post("/explore/sign-in", data={"token": loaded["token"],
                                                        "next": "/explore"})
        assert signed.status_code == 200 and offered(signed)


def test_record_text_is_printed_never_run(store: Store) -> None:
    sha = hashlib.sha256(b"hostile").hexdigest()
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    body = record(sha, 0, organisation=hostile)
    body["fields"].update(purpose=hostile + " research", reference="NIC-1-AB<b>C")
    submission = store.submit(b"hostile", "h.txt")
    store.start_delivery(submission.job_id)
    store.finish_job(submission.job_id, submission.document_sha256, "text", [body])
    with TestClient(create_app(Settings(public_read=True), store, lambda job: None)) as http:
        for url in ("/explore?q=research", f"/explore/organisations/{hostile} Ltd",
                    f"/explore/records/{body['record_id']}"):
            answer = http.get(url)
            assert answer.status_code == 200, url
            assert "<script>alert" not in answer.text and "<img src=x" not in answer.text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_missing_pages_say_so(loaded: dict[str, Any]) -> None:
    http = loaded["http"]
    for url in ("/explore/organisations/Nobody%20At%20All", "/explore/agreements/NIC-0-NONE",
                "/explore/records/0000"):
        answer = http.get(url)
        assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]
    assert http.get("/explore", params={"after": "x1"}).status_code == 422


# the migration


def test_the_migration_indexes_records_stored_before_it(database_url: str) -> None:
    """0006 on a store that has records: their search text, review group and new terms."""
    store = open_store(database_url, migrate=False)
    try:
        config = alembic_config()
        with store.writer.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0005")
        name, data, lines = documents()[2]
        rows = [json.loads(line) for line in lines]
        sha = hashlib.sha256(data).hexdigest()
        with store.writer.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO documents (sha256, filename, size, content, created_at) "
                "VALUES (:sha, :name, 1, :data, CURRENT_TIMESTAMP)"),
                {"sha": sha, "name": name, "data": data})
            for row in rows:
                conn.execute(sa.text(
                    "INSERT INTO records (record_id, document_sha256, row_index, purpose_label,"
                    " needs_review, body, updated_at) VALUES (:id, :sha, :row, :label, :review,"
                    " :body, CURRENT_TIMESTAMP)"),
                    {"id": row["record_id"], "sha": sha, "row": row["source"]["row_index"],
                     "label": row["purpose"]["label"], "review": row["needs_review"],
                     "body": json.dumps(row)})
        store.dispose()
        store = open_store(database_url)
        with TestClient(create_app(Settings(public_read=True), store, lambda j: None)) as http:
            found = http.get("/records", params={"q": "cancer", "limit": 1000}).json()["records"]
            wanted = [r["record_id"] for r in rows if "cancer" in words_of(r)]
            assert wanted and [r["record_id"] for r in found] == wanted
            basis = rows[0]["fields"]["legal_basis"]
            chosen = http.get("/records", params={"legal_basis": basis}).json()["records"]
            assert [r["record_id"] for r in chosen] == [
                r["record_id"] for r in rows if folded(r["fields"]["legal_basis"]) == folded(basis)]
        with store.reader.connect() as conn:
            assert conn.scalar(sa.text(
                "SELECT count(*) FROM records WHERE statement_key IS NULL")) == 0
    finally:
        store.dispose()
