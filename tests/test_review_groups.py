"""The review queue grouped by statement (issue 13): one item per purpose statement and
recipient, labelled once for all its queued rows, each row keeping its own audit trail.

Records of the NHS Digital February 2021 workbook cut, as ``drr process`` writes them, with
the model's doubt set on every row, so that agreements printing one statement on many
dataset rows make groups of many rows; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_explorer import documents

from api.app import create_app
from workers.fields import statement_key, term
from workers.settings import Settings
from workers.store import Store

pytestmark = pytest.mark.service


def doubted(record: dict[str, Any], row: int) -> dict[str, Any]:
    """The record as the model would give it when unsure: a spread of top scores."""
    top = 0.36 + (row % 7) / 100
    rest = round((1 - top) / 2, 4)
    purpose = {**record["purpose"], "label": "research", "source": "model", "needs_review": True,
               "scores": {"research": top, "commercial": rest, "commissioning": rest}}
    return {**record, "purpose": purpose, "needs_review": True}


@pytest.fixture
def queued(store: Store) -> Iterator[dict[str, Any]]:
    name, data, lines = documents()[1]
    records = [doubted(json.loads(line), i) for i, line in enumerate(lines)]
    submission = store.submit(data, name)
    assert store.start_delivery(submission.job_id) is not None
    store.finish_job(submission.job_id, submission.document_sha256, "xlsx", records)
    reviewer = store.create_token("reviewer", "Grace Hopper")
    with TestClient(create_app(Settings(), store, lambda job: None)) as http:
        http.headers["Authorization"] = f"Bearer {reviewer}"
        yield {"http": http, "records": records, "store": store, "name": name}


def statement(record: dict[str, Any]) -> tuple[str, str]:
    fields = record["fields"]
    return term(fields["organisation"] or ""), term(fields["purpose"] or fields["title"] or "")


def test_groups_are_the_distinct_statements_of_each_recipient(queued: dict[str, Any]) -> None:
    records, http = queued["records"], queued["http"]
    sizes = Counter(statement(r) for r in records)
    assert max(sizes.values()) > 5, "no statement repeats: the check proves nothing"
    groups, cursor = [], None
    while True:
        answer = http.get("/review/groups", params={"limit": 3, **({"cursor": cursor}
                                                                     if cursor else {})}).json()
        assert (answer["total_records"], answer["total_groups"]) == (len(records), len(sizes))
        groups += answer["groups"]
        if not (cursor := answer["next_cursor"]):
            break
    assert len(groups) == len(sizes)  # every statement once, over the pages
    by_id = {r["record_id"]: r for r in records}
    for group in groups:
        rows = [by_id[i] for i in group["record_ids"]]
        assert {statement(r) for r in rows} == {statement(group["record"])}
        assert group["size"] == len(rows) == sizes[statement(group["record"])]
        # The record shown is the row the model is least sure of.
        assert group["record"]["purpose"]["scores"]["research"] == min(
            r["purpose"]["scores"]["research"] for r in rows)
        [document] = group["documents"]
        assert document["filename"] == queued["name"]
        assert document["row_indexes"] == sorted(r["source"]["row_index"] for r in rows)
    tops = [g["record"]["purpose"]["scores"]["research"] for g in groups]
    assert tops == sorted(tops)  # least confident first


def test_a_group_is_labelled_once_and_each_row_keeps_its_correction(
    queued: dict[str, Any],
) -> None:
    http, store = queued["http"], queued["store"]
    group = max(http.get("/review/groups", params={"limit": 200}).json()["groups"],
                key=lambda g: g["size"])
    answer = http.post(f"/review/groups/{group['key']}/purpose",
                       json={"label": "commissioning", "note": "invoice validation"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["corrected"] == group["record_ids"]
    for record_id in group["record_ids"]:
        [correction] = store.corrections_of(record_id)
        assert (correction.reviewer, correction.old_value, correction.new_value,
                correction.note) == ("Grace Hopper", "research", "commissioning",
                                     "invoice validation")
        trail = http.get(f"/records/{record_id}/corrections").json()["corrections"]
        assert [c["new_value"] for c in trail] == ["commissioning"]
    after = http.get("/review/groups", params={"limit": 200}).json()
    assert group["key"] not in [g["key"] for g in after["groups"]]
    assert after["total_records"] == len(queued["records"]) - group["size"]
    # Labelled: nothing of the group waits any more.
    again = http.post(f"/review/groups/{group['key']}/purpose", json={"label": "research"})
    assert again.status_code == 404


def test_only_a_reviewer_labels_a_group(queued: dict[str, Any]) -> None:
    http, store = queued["http"], queued["store"]
    key = http.get("/review/groups").json()["groups"][0]["key"]
    reader = store.create_token("reader", "Reading Room")
    answer = http.post(f"/review/groups/{key}/purpose", json={"label": "research"},
                       headers={"Authorization": f"Bearer {reader}"})
    assert answer.status_code == 403
    assert http.post(f"/review/groups/{key}/purpose", json={"label": "lunch"}).status_code == 422
    assert http.get("/review/groups", params={"cursor": "nan:1"}).status_code == 400
    assert store.corrections_of() == []


def test_spacing_and_case_do_not_split_a_statement() -> None:
    one = {"record_id": "a", "fields": {"organisation": "UCL", "purpose": "To study  Survival."}}
    two = {"record_id": "b", "fields": {"organisation": "ucl ", "purpose": "to study survival."}}
    other = {"record_id": "c", "fields": {"organisation": "UCL", "purpose": "To study survival!"}}
    blank = {"record_id": "d", "fields": {"organisation": "UCL", "purpose": None}}
    assert statement_key(one) == statement_key(two) != statement_key(other)
    assert statement_key(blank) == "record d"  # a row with no statement is its own group
