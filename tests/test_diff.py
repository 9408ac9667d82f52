"""``drr diff``, editions in the store and ``GET /changes``, on editions derived from a real
register with known changes (``corpora/tools/derive_editions.py``): every change found,
nothing else reported.

The PHE Office for Data Release register (239 real rows) is the register these tests
derive from, with seed 13. Held out while ``workers/diff.py`` was written, and only run
afterwards (figures in the report of issue 13): other seeds of the same register, and the
NHS Digital 2021 workbook, whose agreements span many rows and two sheets.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from extract import Limits
from workers.cli import main
from workers.diff import agreement_key, diff_editions, register_name, typographic_form
from workers.fields import RecordFilter
from workers.pipeline import extract_records
from workers.settings import Settings
from workers.store import Store

ROOT = Path(__file__).resolve().parents[1]
PHE = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE.csv"
Record = dict[str, Any]


def _derive_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "derive_editions", ROOT / "corpora/tools/derive_editions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Old and new editions of the PHE register, their records and the expected changes."""
    out = tmp_path_factory.mktemp("editions")
    expected = _derive_module().derive_files(PHE, "phe-csv", out, 5, 13)
    records = {
        name: extract_records((out / f"{name}.csv").read_bytes(), f"{name}.csv", Limits())[1]
        for name in ("old", "new")
    }
    return {"dir": out, "expected": expected, **records}


def _summary(changes: list[dict[str, Any]]) -> set[tuple[str, str, tuple[str, ...]]]:
    # drr's canonical ODR reference writes a part letter in lower case ("ODR1516_046b").
    return {(c["change"], str(c["agreement"]).casefold(), tuple(c["fields"])) for c in changes}


def test_every_known_change_is_found_and_nothing_else(editions: dict[str, Any]) -> None:
    found = diff_editions(editions["old"], editions["new"])
    assert len(editions["expected"]) == 20  # 5 each: removed, added, reworded, renamed
    assert _summary(found) == _summary(editions["expected"])
    renamed = [c for c in found if c["fields"] == ["organisation"]]
    assert all(c["organisation"] == c["after"]["organisation"] != c["before"]["organisation"]
               for c in renamed)
    assert diff_editions(editions["new"], editions["new"]) == []


def test_agreement_key_drops_prefix_and_version() -> None:
    assert agreement_key("DARS-NIC-125783-W2W3P-v0.14") == "NIC-125783-W2W3P"
    assert agreement_key("NIC-125783-w2w3p-v2") == "NIC-125783-W2W3P"
    assert agreement_key("ODR1617_169/R4") == agreement_key("ODR1617_169") == "ODR1617_169"
    assert agreement_key(" MR 1109 ") == "MR1109"
    assert agreement_key("abc  123 v2") == "ABC 123"


def _row(reference: str, organisation: str, data_type: str, purpose: str) -> Record:
    return {"fields": {"row_id": data_type[:3], "reference": reference,
                       "organisation": organisation, "data_type": data_type,
                       "purpose": purpose, "legal_basis": None}}


def test_an_agreement_of_several_rows_is_one_change_and_typography_is_none() -> None:
    old = [_row("DARS-NIC-1-AAAAA-v1", "Univ. of Leeds", d, "To study asthma - in adults.")
           for d in ("HES APC", "HES OP")]
    typeset = [_row("DARS-NIC-1-AAAAA-v1", "UNIV OF LEEDS", d, "To study  asthma – in adults")
               for d in ("HES APC", "HES OP")]
    assert diff_editions(old, typeset) == []
    assert typographic_form("Univ. of Leeds") == typographic_form("UNIV OF  LEEDS")
    grown = [*old, _row("DARS-NIC-1-AAAAA-v2", "University of Leeds", "HES A&E",
                        "To study asthma in adults.")]
    [change] = diff_editions(old, grown)
    assert change["change"] == "amended" and change["agreement"] == "NIC-1-AAAAA"
    assert change["fields"] == ["data_type", "organisation", "reference"]
    assert change["after"]["data_type"] == ["HES A&E", "HES APC", "HES OP"]
    assert change["after"]["organisation"] == ["Univ. of Leeds", "University of Leeds"]


def test_rows_known_by_their_number_that_moved_are_not_amendments() -> None:
    """The HSCIC 2014 sample prints no references: its rows are known by their number. A
    next edition without its 30th row, numbered again from 1, and with row 5's recipient
    renamed: one removal and one amendment (59 amendments before rows were matched on
    their content)."""
    sample = ROOT / "corpora/samples/hscic-2014-sample.txt"
    old = extract_records(sample.read_bytes(), sample.name, Limits())[1]
    assert len(old) == 61 and not any(r["fields"]["reference"] for r in old)
    new = json.loads(json.dumps([r for r in old if r["fields"]["row_id"] != "30"]))
    for number, row in enumerate(new, 1):
        row["fields"]["row_id"] = str(number)
    new[4]["fields"]["organisation"] = "NHS England"
    changes = diff_editions(old, new)
    assert [(c["change"], c["agreement"], c["fields"]) for c in changes] == [
        ("removed", "row 30", []), ("amended", "row 5", ["organisation"])]
    assert changes[1]["after"] == {"organisation": "NHS England"}
    assert diff_editions(old, list(reversed(new))) == changes


def test_a_date_printed_another_way_is_no_amendment() -> None:
    """PHE's 2015-16 CSV with every release date printed day/month/year, as other PHE
    editions print them, and one date moved a day: one amendment (76 before)."""
    import csv
    import io

    register = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE15-16.csv"
    text = register.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("Date of release")
    for row in rows[1:]:
        year, month, day = row[column].split("-")
        row[column] = f"{day}/{month}/{year}"
    rows[5][column] = "21/04/2015" if rows[5][column] != "21/04/2015" else "22/04/2015"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    old = extract_records(text.encode("utf-8"), "old.csv", Limits())[1]
    new = extract_records(out.getvalue().encode("utf-8"), "new.csv", Limits())[1]
    assert len(old) == len(new) == 76
    [change] = diff_editions(old, new)
    assert (change["change"], change["fields"]) == ("amended", ["date_released"])
    assert change["after"] == {"date_released": rows[5][column]}


def test_drr_diff_writes_one_line_per_change(editions: dict[str, Any], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "changes.jsonl"
    code = main(["diff", str(editions["dir"] / "old.csv"), str(editions["dir"] / "new.csv"),
                 "-o", str(out)])
    assert code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == diff_editions(editions["old"], editions["new"])
    said = capsys.readouterr().err
    assert "20 changes: 5 added, 5 removed, 10 amended" in said
    assert "no agreement in common" not in said


def test_two_registers_with_no_agreement_in_common_are_questioned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    phe = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE17-18.csv"
    sample = ROOT / "corpora/samples/hscic-2014-sample.txt"
    assert main(["diff", str(phe), str(sample), "-o", str(tmp_path / "changes.jsonl")]) == 0
    said = capsys.readouterr().err.splitlines()
    assert said[0].startswith("drr: ") and said[0].endswith(" added, 23 removed, 0 amended")
    assert said[1] == (f"drr: {phe} and {sample} have no agreement in common: are they "
                       "editions of one register?")


def _finish(store: Store, name: str, data: bytes, rows: list[Record]) -> str:
    submission = store.submit(data, name, again=True)
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, submission.document_sha256, "csv", rows)
    return submission.document_sha256


@pytest.fixture
def stored(store: Store, editions: dict[str, Any]) -> Iterator[dict[str, Any]]:
    folder = editions["dir"]
    old = _finish(store, "old.csv", (folder / "old.csv").read_bytes(), editions["old"])
    new = _finish(store, "new.csv", (folder / "new.csv").read_bytes(), editions["new"])
    yield {"old": old, "new": new}


def test_the_store_keeps_editions_and_their_changes(
    store: Store, editions: dict[str, Any], stored: dict[str, Any]
) -> None:
    kept = store.changes()
    expected = diff_editions(editions["old"], editions["new"])
    assert [{k: c[k] for k in expected[0]} for c in kept] == expected
    assert {c["edition"] for c in kept} == {stored["new"]}
    assert {c["previous_edition"] for c in kept} == {stored["old"]}
    assert [e["sha256"] for e in store.editions()] == [stored["new"], stored["old"]]
    # A reprocess (a new model, say) finds the changes already kept: none twice.
    _finish(store, "new.csv", (editions["dir"] / "new.csv").read_bytes(), editions["new"])
    assert len(store.changes()) == len(expected)
    assert store.changes(since="2999-01-01") == []
    assert len(store.changes(since="2000-01-01T00:00:00+01:00")) == len(expected)
    one = expected[-1]["agreement"]
    assert [c["agreement"] for c in store.changes(agreement=one)] == [one]
    with pytest.raises(ValueError):
        store.changes(since="last tuesday")


def test_get_changes(store: Store, stored: dict[str, Any]) -> None:
    with TestClient(create_app(Settings(), store, lambda job: None)) as client:
        assert client.get("/changes").status_code == 401
        reader = {"Authorization": f"Bearer {store.create_token('reader')}"}
        answer = client.get("/changes", params={"since": "2000-01-01"}, headers=reader)
        assert answer.status_code == 200
        assert answer.json()["changes"] == store.changes()
        later = client.get("/changes", params={"since": "2999-01-01"}, headers=reader)
        assert later.json() == {"changes": [], "next_cursor": None}
        bad = client.get("/changes", params={"since": "yesterday"}, headers=reader)
        assert bad.status_code == 400 and "ISO date" in bad.json()["error"]["message"]
        # An agreement named as the register prints its reference, in any case.
        change = next(c for c in store.changes() if c["change"] == "removed")
        printed = change["before"]["reference"]
        assert printed.lower() != change["agreement"]
        named = client.get("/changes", params={"agreement": printed.lower()}, headers=reader)
        assert named.json()["changes"] == store.changes(agreement=change["agreement"])
        assert named.json()["changes"]


def test_get_changes_a_page_at_a_time(store: Store, stored: dict[str, Any]) -> None:
    """A large register's changes come in pages (592 changes were one 13 MB answer)."""
    everything = store.changes()
    assert len(everything) >= 5
    with TestClient(create_app(Settings(), store, lambda job: None)) as client:
        reader = {"Authorization": f"Bearer {store.create_token('reader')}"}
        pages, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            answer = client.get("/changes", params=params, headers=reader).json()
            assert len(answer["changes"]) <= 2
            pages.append(answer["changes"])
            cursor = answer["next_cursor"]
            if cursor is None:
                break
        assert [c for page in pages for c in page] == everything
        assert len(pages) >= len(everything) // 2
        bad = client.get("/changes", params={"cursor": "²"}, headers=reader)
        assert bad.status_code == 400 and "next_cursor" in bad.json()["error"]["message"]
        assert client.get("/changes", params={"limit": 1001}, headers=reader).status_code == 422


def test_report_from_the_store_says_what_changed_since_the_last_edition(
    store: Store, editions: dict[str, Any], stored: dict[str, Any], database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DRR_DATABASE_URL", database_url)
    out = tmp_path / "report.md"
    assert main(["report", "--from-store", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    # Both editions' records are in the store; derived editions are snapshots, so the
    # figures are the latest edition's rows, counted here from its file, and its changes.
    rows = _csv_rows(editions["dir"] / "new.csv")
    assert store.record_count() > len(rows)
    assert f"- releases (register rows): {len(rows):,}" in text
    agreements = {agreement_key(r["ODRReference"]) for r in rows}  # tested above
    assert f"- agreements: {len(agreements):,}" in text
    assert "5 agreements added, 5 removed, 10 amended." in text
    assert "written to" in capsys.readouterr().err


def test_a_diff_made_before_the_lock_against_an_older_edition_is_made_again(
    store: Store, editions: dict[str, Any], stored: dict[str, Any]
) -> None:
    from workers.store import EditionDiff, _record_edition

    register = editions["old"][0]["source"]["layout"]
    stale = EditionDiff(register, stored["old"], [])  # made before "new" became the latest
    sha = store.put_document(b"a third edition", "third.csv")
    with store.writer.begin() as conn:
        _record_edition(conn, sha, editions["old"], stale)
    third = [c for c in store.changes() if c["edition"] == sha]
    assert {c["previous_edition"] for c in third} == {stored["new"]}
    assert [{k: c[k] for k in ("change", "agreement", "fields")} for c in third] == [
        {k: c[k] for k in ("change", "agreement", "fields")}
        for c in diff_editions(editions["new"], editions["old"])]


def test_a_register_is_its_layout_and_its_file_names_family() -> None:
    same = [
        "1. releaseregister_20210201_20210228.xlsx",
        "releaseregister_20210301_20210331.xlsx",
        "releaseregister (1).xlsx",
        "releaseregister-v2 final.xlsx",
    ]
    assert {register_name("nhs-digital-monthly", name) for name in same} == {
        "nhs-digital-monthly: releaseregister"
    }
    assert register_name("phe-odr-2014", "PHE14-15.csv") == register_name("phe-odr-2014", "PHE.csv")
    assert register_name("nhs-digital-monthly", "nhsd-releases-ruled.pdf") != register_name(
        "nhs-digital-monthly", "releaseregister_20210201_20210228.xlsx"
    )
    assert register_name("hscic-2014", "") == "hscic-2014"


def test_a_document_of_another_name_in_the_same_layout_is_another_register(
    store: Store, editions: dict[str, Any]
) -> None:
    """Another register printed in the same layout is not the next edition: its rows are
    not agreements added, nor the first register's agreements removed."""
    folder = editions["dir"]
    data = (folder / "new.csv").read_bytes() + b"\n"
    other = extract_records(data, "trust-extract.csv", Limits())[1]
    _finish(store, "old.csv", (folder / "old.csv").read_bytes(), editions["old"])
    _finish(store, "trust-extract.csv", data, other)
    assert store.changes() == []
    assert len({edition["register"] for edition in store.editions()}) == 2


# editions counted once: snapshot and period registers


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """A register CSV's data rows as the csv module reads them: the independent count."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [r for r in csv.DictReader(io.StringIO(text)) if any((v or "").strip()
                                                               for v in r.values())]


def test_a_derived_edition_is_a_snapshot_that_supersedes_the_one_before(
    store: Store, stored: dict[str, Any]
) -> None:
    kept = {e["sha256"]: e for e in store.editions()}
    assert kept[stored["old"]]["kind"] is None  # the register's first edition
    assert kept[stored["new"]]["kind"] == "snapshot"
    assert kept[stored["old"]]["superseded_by"] == stored["new"]
    assert kept[stored["new"]]["superseded_by"] is None


def test_the_explorer_counts_a_snapshot_registers_latest_edition_only(
    store: Store, editions: dict[str, Any], stored: dict[str, Any]
) -> None:
    import lxml.html

    rows = _csv_rows(editions["dir"] / "new.csv")
    removed = [c for c in store.changes() if c["change"] == "removed"]
    kept = next(c for c in store.changes() if c["change"] == "amended")
    its_rows = [r for r in rows if agreement_key(r["ODRReference"]) == kept["agreement"]]
    with TestClient(create_app(Settings(public_read=True), store, lambda job: None)) as http:
        tree = lxml.html.fromstring(http.get("/explore").text)
        assert tree.xpath("string(//h2[@id='found'])") == f"{len(rows):,} release rows found"
        # /records stays every stored record, both editions.
        every = http.get("/records", params={"limit": 1000}).json()["records"]
        assert len(every) == store.record_count() == len(rows) + len(
            _csv_rows(editions["dir"] / "old.csv"))
        # A removed agreement is not found, but its page still shows its rows and removal.
        gone = removed[0]["agreement"]
        found = lxml.html.fromstring(http.get("/explore", params={"agreement": gone}).text)
        assert found.xpath("string(//h2[@id='found'])") == "0 release rows found"
        its_page = lxml.html.fromstring(http.get(f"/explore/agreements/{gone}").text)
        assert its_page.xpath("//tr/@data-record-id")
        assert "removed" in its_page.xpath("string(//h2[@id='changes']/following::table[1])")
        # An agreement in both editions: its rows once, as the latest edition prints them.
        its_page = lxml.html.fromstring(http.get(f"/explore/agreements/{kept['agreement']}").text)
        assert len(its_page.xpath("//tr/@data-record-id")) == len(its_rows) > 0


PHE_YEARS = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018"


def test_phes_yearly_csvs_are_periods_and_every_edition_counts(
    store: Store, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PHE14-15.csv and PHE15-16.csv are one register (one layout, one file-name family)
    whose files list different releases (one agreement in common): both are counted."""
    shas = []
    for name in ("PHE14-15.csv", "PHE15-16.csv"):
        data = (PHE_YEARS / name).read_bytes()
        shas.append(_finish(store, name, data, extract_records(data, name, Limits())[1]))
    kept = {e["sha256"]: e for e in store.editions()}
    assert kept[shas[1]]["kind"] == "period" and kept[shas[1]]["previous_sha256"] == shas[0]
    assert {e["superseded_by"] for e in kept.values()} == {None}
    both = sum(len(_csv_rows(PHE_YEARS / n)) for n in ("PHE14-15.csv", "PHE15-16.csv"))
    monkeypatch.setenv("DRR_DATABASE_URL", database_url)
    out = tmp_path / "report.md"
    assert main(["report", "--from-store", "-o", str(out)]) == 0
    assert f"- releases (register rows): {both:,}" in out.read_text(encoding="utf-8")


def test_the_migration_decides_the_kind_of_editions_stored_before_it(
    store: Store, database_url: str, stored: dict[str, Any]
) -> None:
    """0008 on a store whose editions have no kind: found from their stored records."""
    from alembic import command

    from workers.store import alembic_config, open_store

    config = alembic_config()
    with store.writer.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
    store.dispose()
    again = open_store(database_url)
    try:
        kept = {e["sha256"]: e for e in again.editions()}
        assert (kept[stored["new"]]["kind"], kept[stored["old"]]["superseded_by"]) == (
            "snapshot", stored["new"])
        assert again.count_records(RecordFilter(latest_only=True)) == again.record_count(
            stored["new"])
    finally:
        again.dispose()
