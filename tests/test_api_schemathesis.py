"""schemathesis against the OpenAPI document of a real ``drr serve``, bounded to run in the
suite (the long campaign is ``benchmarks/fuzz_api.py --requests N``).

One module-wide run: ``drr serve`` on a fresh PostgreSQL schema, real tokens from
``drr tokens create``, the sample register uploaded, then a fixed number of generated
requests to every operation (valid and invalid inputs, every kind of token, real ids for
half the path parameters) and uploads of mutated corpus documents, with fixed seeds so every
run sends the same requests. Each test below asserts one kind of finding is absent.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.service

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 600


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


fa = _load("fuzz_api")


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("schemathesis")
    with fa.running_service(folder) as service:
        ran = fa.Campaign(folder)
        fa.run(service, ran, REQUESTS, seed=20261207)
        yield ran


def findings(campaign: Any, kind: str) -> list[str]:
    return [f"{f['operation']} -> {f['status']} ({f['count']}x): {f['message']}\n  {f['curl']}"
            for f in campaign.findings.values() if f["kind"] == kind]


def test_the_run_reached_every_operation(campaign: Any) -> None:
    assert campaign.requests >= REQUESTS
    reached = {key.rsplit(" ", 1)[0] for key in campaign.statuses}
    assert len(reached) >= 11, sorted(reached)
    # the real ids took some requests past the 404s to real records
    assert any(k.startswith("GET /records/{record_id} 200") for k in campaign.statuses)


def test_no_request_gets_a_server_error(campaign: Any) -> None:
    assert not findings(campaign, "server_error"), "\n".join(findings(campaign, "server_error"))


def test_every_error_answer_has_the_one_json_error_shape(campaign: Any) -> None:
    assert not findings(campaign, "error_shape"), "\n".join(findings(campaign, "error_shape"))


def test_every_response_matches_the_schema_documented_for_its_status(campaign: Any) -> None:
    problems = findings(campaign, "response_schema")
    assert not problems, "\n".join(problems)


def test_uploaded_documents_are_accepted_or_refused_and_their_jobs_end_cleanly(
        campaign: Any) -> None:
    """Mutated corpus documents (the OpenAPI document cannot describe the multipart body):
    202 or a 4xx, and no job failed by anything but a DrrError or left unfinished."""
    uploads = {k: n for k, n in campaign.statuses.items() if "(upload)" in k}
    assert sum(uploads.values()) >= 20, uploads
    assert campaign.jobs, "no upload was accepted: the uploads tested nothing past the door"
    problems = findings(campaign, "job_internal_error") + findings(campaign, "job_unfinished")
    assert not problems, "\n".join(problems)


def test_every_status_and_content_type_is_documented(campaign: Any) -> None:
    """Was a finding (fixed in 21fca8e): /openapi.json listed only 200/202/422."""
    problems = findings(campaign, "undocumented_status") + findings(campaign, "content_type")
    assert not problems, "\n".join(problems)


# --- the checker itself ------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "body", "wrong"), [
    (404, b'{"error": {"status": 404, "code": "not_found", "message": "no job 1"}}', False),
    (200, b"[]", False),
    (422, b'{"detail": [{"loc": ["query", "limit"], "msg": "bad"}]}', True),  # FastAPI's own
    (500, b"Internal Server Error", True),  # Starlette's plain-text 500
    (404, b'{"error": {"status": 400, "code": "bad_request", "message": "x"}}', True),
    (401, b'{"error": {"status": 401, "code": "unauthorized"}}', True),
    (403, b'{"error": {"status": 403, "code": "forbidden", "message": "x"}, "extra": 1}', True),
])
def test_error_shape_check(status: int, body: bytes, wrong: bool) -> None:
    assert (fa.error_shape_problem(status, body) is not None) == wrong
