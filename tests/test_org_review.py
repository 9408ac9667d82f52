"""Organisations decided by a person: ``drr organisations suggest`` proposes, ``review``
accepts or rejects at the terminal (scripted standard input), and reviewers' corrections
over HTTP are audited and land in the registry (SQLite and the real PostgreSQL).

The registry and decisions are copies of the committed files in ``tmp_path``; the records
are the HSCIC 2014 sample as ``drr process`` enriches it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_service import ROOT, SAMPLE
from fastapi.testclient import TestClient
from test_org_registry import sample_copy
from test_store import processed

from api.app import create_app
from nlp.org_registry import Registry
from workers.commands.organisations import candidates
from workers.settings import Settings
from workers.store import Store

REGISTRY = ROOT / "corpora" / "organisations" / "registry.json"


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env, check=False)


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    registry = tmp_path / "registry.json"
    shutil.copy(REGISTRY, registry)
    return registry, tmp_path / "decisions.jsonl"


def entries(path: Path) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in json.loads(path.read_text(encoding="utf-8"))["organisations"]}


def test_suggest_proposes_without_merging_and_keeps_neighbours_apart(copies: tuple[Path, Path]) -> None:
    registry, decisions = copies
    before = registry.read_bytes()
    done = cli("organisations", "suggest", "--registry", str(registry), "--decisions", str(decisions))
    assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert registry.read_bytes() == before and not decisions.exists()
    pairs = {frozenset(c["names"]) for c in found}
    assert all(c["reasons"] and 0 < c["score"] <= 1 for c in found)
    names = {n for c in found for n in c["names"]}
    assert not any("Barnsley" in n and "Council" in n for n in names)  # never meets Bolton's
    assert frozenset(("North Lincolnshire Council", "North East Lincolnshire Council")) not in pairs
    # the committed decisions are not asked again
    committed = candidates(REGISTRY, REGISTRY.parent / "decisions.jsonl", None)
    assert len(committed) < len(found)


def test_review_at_the_terminal_keeps_who_why_and_merges_only_what_a_person_accepted(
        copies: tuple[Path, Path], tmp_path: Path) -> None:
    registry, decisions = copies
    data = json.loads(registry.read_text(encoding="utf-8"))
    data["organisations"].append({"id": "acme-analytics-ltd", "name": "ACME ANALYTICS LTD",
                                  "sector": "commercial", "aliases": []})
    data["organisations"].append({"id": "acme-analytics-limited", "name": "Acme Analytics Limited",
                                  "sector": "commercial", "aliases": []})
    data["organisations"].append({"id": "acme-analytica", "name": "Acme Analytica Group",
                                  "sector": "commercial", "aliases": []})
    registry.write_text(json.dumps(data), encoding="utf-8")
    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text(
        json.dumps({"a": "acme-analytics-limited", "b": "acme-analytics-ltd", "score": 0.99,
                    "reasons": ["same name"]}) + "\n"
        + json.dumps({"a": "acme-analytica", "b": "acme-analytics-limited", "score": 0.8,
                      "reasons": ["rare words agree"]}) + "\n")
    # merge with a reason; "x" is refused and asked again; reject with a reason
    answers = "m\none company, Ltd for Limited\nx\nr\nAnalytica is another firm\n"
    done = cli("organisations", "review", "--reviewer", "Ada Lovelace", "-i", str(candidates),
               "--registry", str(registry), "--decisions", str(decisions), stdin=answers)
    assert done.returncode == 0, done.stderr
    assert "answer one of" in done.stdout
    kept = [json.loads(line) for line in decisions.read_text().splitlines()]
    assert [(d["decision"], d["reviewer"], d["reason"]) for d in kept] == [
        ("merge", "Ada Lovelace", "one company, Ltd for Limited"),
        ("reject", "Ada Lovelace", "Analytica is another firm")]
    after = entries(registry)
    assert "acme-analytics-ltd" not in after and "acme-analytica" in after
    merged = after["acme-analytics-limited"]
    assert merged["merges"][0]["id"] == "acme-analytics-ltd"
    assert merged["merges"][0]["reason"] == "one company, Ltd for Limited"
    assert Registry.load(registry).resolve("ACME ANALYTICS LTD") == "acme-analytics-limited"
    # decided pairs are not asked again; end of input stops without deciding
    again = cli("organisations", "review", "--reviewer", "Ada Lovelace", "-i", str(candidates),
                "--registry", str(registry), "--decisions", str(decisions), stdin="")
    assert again.returncode == 0 and len(decisions.read_text().splitlines()) == 2


def test_a_decision_without_a_reason_is_not_kept(copies: tuple[Path, Path], tmp_path: Path) -> None:
    registry, decisions = copies
    candidates = tmp_path / "c.jsonl"
    found = cli("organisations", "suggest", "--registry", str(registry), "--decisions",
                str(decisions), "--min-score", "0.5", "--limit", "1").stdout
    candidates.write_text(found)
    before = registry.read_bytes()
    done = cli("organisations", "review", "--reviewer", "Ada", "-i", str(candidates), "--registry",
               str(registry), "--decisions", str(decisions), stdin="m\n\n")
    assert done.returncode == 0 and "needs a reason" in done.stdout
    assert registry.read_bytes() == before and not decisions.exists()


def test_candidates_on_standard_input_are_refused(copies: tuple[Path, Path]) -> None:
    """The answers come on standard input: candidates read there too would leave none."""
    registry, decisions = copies
    candidate = json.dumps({"a": "acme-analytics-limited", "b": "acme-analytics-ltd"})
    before = registry.read_bytes()
    done = cli("organisations", "review", "--reviewer", "Ada", "-i", "-", "--registry",
               str(registry), "--decisions", str(decisions), stdin=candidate + "\nm\nwhy\n")
    assert done.returncode == 1 and "give the candidates as a file" in done.stderr
    assert registry.read_bytes() == before and not decisions.exists()


# over HTTP, with the store


@pytest.fixture
def sample_records() -> list[dict[str, Any]]:
    return sample_copy()


def refusing_queue(job_id: str) -> None:
    raise AssertionError(f"nothing should have been queued, got {job_id}")


@pytest.fixture
def api(store: Store, sample_records: list[dict[str, Any]]) -> Iterator[TestClient]:
    sha = processed(store, SAMPLE.read_bytes(), [])
    rows = [{**r, "record_id": f"{sha[:8]}-{i}"} for i, r in enumerate(sample_records)]
    submission = store.submit(SAMPLE.read_bytes(), "s.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, sha, "text", rows)
    with TestClient(create_app(Settings(public_read=True), store, refusing_queue)) as client:
        yield client


def bearer(store: Store, role: str, name: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {store.create_token(role, name)}"}  # type: ignore[arg-type]


@pytest.mark.service
def test_organisations_with_release_counts_sector_and_commercial_share(
        api: TestClient, sample_records: list[dict[str, Any]]) -> None:
    listing = api.get("/organisations", params={"with_records": "true", "limit": 1000})
    assert listing.status_code == 200, listing.text
    rows = {r["id"]: r for r in listing.json()["organisations"]}
    england = Registry.load().resolve("NHS England")
    expected = sum(1 for r in sample_records
                   if any(o["id"] == england for o in r["entities"]["organisations"]))
    assert rows[england]["records"] == expected > 0
    commercial = sum(1 for r in sample_records if r["purpose"]["label"] == "commercial"
                     and any(o["id"] == england for o in r["entities"]["organisations"]))
    assert rows[england]["commercial_share"] == round(commercial / expected, 4)
    bad = api.get("/organisations", params={"sector": "pharma"})
    assert bad.status_code == 422 and "commercial" in bad.json()["error"]["message"]
    one = api.get(f"/organisations/{england}")
    assert one.status_code == 200
    assert sum(y["records"] for y in one.json()["releases_by_year"]) == expected
    digital = api.get(f"/organisations/{Registry.load().resolve('NHS Digital')}").json()
    assert Registry.load().resolve("HSCIC") in digital["predecessors"]
    assert api.get("/organisations/no-such-body").status_code == 404
    merged = api.get("/organisations/nhs-england-quarry-house")  # merged by a person: still valid
    assert merged.status_code == 200
    assert (merged.json()["id"], merged.json()["merged_from"]) == (england, "nhs-england-quarry-house")
    by_id = api.get("/records", params={"organisation_id": england, "limit": 1000})
    assert len(by_id.json()["records"]) == expected


@pytest.mark.service
def test_reviewers_correct_organisations_audited_and_applied_to_the_registry(
        api: TestClient, store: Store, copies: tuple[Path, Path], database_url: str) -> None:
    reviewer = bearer(store, "reviewer", "Ada Lovelace")
    reader = bearer(store, "reader", "Rita")
    target = Registry.load().resolve("Monitor")
    body = {"sector": "central_government", "note": "a regulator"}
    assert api.post(f"/organisations/{target}/corrections", json=body, headers=reader).status_code == 403
    assert api.post(f"/organisations/{target}/corrections", json={"sector": "x"},
                    headers=reviewer).status_code == 422
    done = api.post(f"/organisations/{target}/corrections", json={"name": "Monitor (regulator)"},
                    headers=reviewer)
    assert done.status_code == 200 and done.json()["name"] == "Monitor (regulator)"
    # one record's organisation: which entry it is
    record = next(r for r in api.get("/records", params={"limit": 1000}).json()["records"]
                  if r["fields"]["organisation"] == "NHS England - CSUs, CCGs")
    csus = Registry.load().resolve("NHS Arden and Greater East Midlands Commissioning Support Unit")
    fixed = api.post(f"/records/{record['record_id']}/organisations/1", headers=reviewer,
                     json={"id": csus, "note": "this row's CSU"})
    assert fixed.status_code == 200, fixed.text
    org = fixed.json()["entities"]["organisations"][1]
    assert (org["id"], org["needs_review"], org["text"]) == (csus, False, "CSUs")
    assert api.post(f"/records/{record['record_id']}/organisations/9", headers=reviewer,
                    json={"sector": "other"}).status_code == 404
    assert api.post(f"/records/{record['record_id']}/organisations/0", headers=reviewer,
                    json={"id": "no-such-body"}).status_code == 422
    relinked = api.post(f"/records/{record['record_id']}/organisations/0", headers=reviewer,
                        json={"id": "nhs-england-quarry-house"})  # merged: the kept id is stored
    assert relinked.json()["entities"]["organisations"][0]["id"] == Registry.load().resolve("NHS England")
    ids = [r["record_id"] for r in api.get("/records", params={"organisation_id": csus}).json()["records"]]
    assert record["record_id"] in ids
    trail = api.get(f"/organisations/{csus}/corrections", headers=reader).json()["corrections"]
    assert [(c["field"], c["old_value"], c["new_value"], c["reviewer"]) for c in trail] == [
        ("id", None, csus, "Ada Lovelace")]
    assert trail[0]["at"] and trail[0]["note"] == "this row's CSU"
    # and into the registry (a copy), once however often it is applied
    registry, _ = copies
    env = {**os.environ, "DRR_DATABASE_URL": database_url}
    for _ in range(2):
        done_apply = cli("organisations", "corrections", "apply", "--registry", str(registry), env=env)
        assert done_apply.returncode == 0, done_apply.stderr
    after = entries(registry)
    assert after[target]["name"] == "Monitor (regulator)"
    assert [c["reviewer"] for c in after[target]["corrections"]] == ["Ada Lovelace"]
    assert "CSUs" in {a["name"] for a in after[csus]["aliases"]}
    assert len(after[csus]["corrections"]) == 1


@pytest.mark.service
def test_reprocessing_keeps_organisation_corrections(
        api: TestClient, store: Store, sample_records: list[dict[str, Any]]) -> None:
    reviewer = bearer(store, "reviewer", "Ada Lovelace")
    rows = api.get("/records", params={"limit": 1000}).json()["records"]
    target = next(r for r in rows if r["fields"]["organisation"] == "NHS England - CSUs, CCGs")
    fixed = api.post(f"/records/{target['record_id']}/organisations/2", headers=reviewer,
                     json={"sector": "other", "note": "kinds of body, not one"})
    assert fixed.status_code == 200, fixed.text
    # the document processed again (a model update): the new run's records are as enriched
    sha = target["record_id"].split("-")[0]
    submission = store.submit(SAMPLE.read_bytes(), "s.txt", again=True)
    assert store.start_delivery(submission.job_id) is not None
    again = [{**r, "record_id": f"{sha}-{i}"} for i, r in enumerate(sample_records)]
    store.finish_job(submission.job_id, submission.document_sha256, "text", again)
    kept = json.loads(store.get_record(target["record_id"]) or "{}")
    org = kept["entities"]["organisations"][2]
    assert (org["text"], org["sector"], org["needs_review"]) == ("CCGs", "other", False)
    untouched = json.loads(store.get_record(f"{sha}-0") or "{}")
    assert untouched["entities"] == sample_records[0]["entities"]


def test_bad_files_are_one_clear_line_and_change_nothing(copies: tuple[Path, Path], tmp_path: Path) -> None:
    registry, decisions = copies
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"a": "x", "b": "y"}\n{"a": 1\n')
    before = registry.read_bytes()
    for args in (["review", "--reviewer", "Ada", "-i", str(broken), "--registry", str(registry),
                  "--decisions", str(decisions)],
                 ["suggest", "--registry", str(broken)],
                 ["show", "NHS Digital", "--registry", str(broken)],
                 ["suggest", "--registry", str(registry), "--decisions", str(broken)]):
        done = cli("organisations", *args, stdin="m\nwhy\n")
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.startswith("drr: ") and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert registry.read_bytes() == before and not decisions.exists()
