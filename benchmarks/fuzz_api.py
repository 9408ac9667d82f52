"""Fuzz ``drr serve`` from its own OpenAPI document with schemathesis.

    python3 benchmarks/fuzz_api.py --requests N [--out DIR] [--seed S]

Starts a real ``drr serve`` on loopback over a fresh PostgreSQL schema (dropped at the
end), makes real tokens with ``drr tokens create`` (reader, reviewer, submitter), uploads
the sample register so records exist, then sends ``N`` requests that schemathesis
generates from ``/openapi.json``: valid and invalid parameters and bodies, each with one
of the tokens, no token or a made-up one, and half of the path parameters taken from the
store's real record, job and document ids so the happy paths are reached too.

A *finding* is a response that

- is a 5xx (``server_error``);
- does not match the schema the OpenAPI document gives for its status
  (``response_schema``), has a status the document does not list (``undocumented_status``)
  or a content type it does not list (``content_type``);
- is an error (4xx, 5xx) whose body is not the one JSON error shape
  ``{"error": {"status", "code", "message"}}`` with ``status`` equal to the response's
  (``error_shape``).

Findings are grouped by kind, operation and status; the first request of each group is kept
as a curl command. ``DIR/stats.json`` has requests, requests/s, statuses and the findings.

Long run of 2026-12-07 (``--requests 10000 --seed 11``, ``nice -n 10``): 10,055 requests in
153 s (65.7/s), 660 of them uploads (635 accepted, every job ended cleanly); no finding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the service helpers the tests start drr with

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

ERROR_KEYS = {"status", "code", "message"}
TOKEN_CHOICES = ("reader", "reviewer", "submitter", "none", "unknown")


@dataclass(frozen=True)
class Service:
    base: str
    tokens: dict[str, str]
    ids: dict[str, list[str]]  # real record_id, job_id and sha256 values


# --- the service ------------------------------------------------------------------------------


@contextmanager
def running_service(folder: Path) -> Iterator[Service]:
    """``drr serve`` on a new PostgreSQL schema with the sample register in it."""
    from conftest_service import (
        SAMPLE,
        free_port,
        new_database_url,
        service_env,
        start_drr,
        wait_until,
    )

    # a generator: the schema is dropped when it is closed
    database = cast(Generator[str, None, None], new_database_url("postgresql", folder))
    url = next(database)
    port = free_port()
    env = service_env(url, None, DRR_MAX_UPLOAD_BYTES=2_000_000)
    tokens = {role: create_token(role, env) for role in ("reader", "reviewer", "submitter")}
    server = start_drr(["serve", "--port", str(port)], env, folder / "serve.log")
    try:
        server.wait_for("Uvicorn running")
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120) as http:
            job = upload(http, tokens["submitter"], SAMPLE.name, SAMPLE.read_bytes())
            wait_until(lambda: job_state(http, tokens["reader"], job) in ("done", "failed"),
                       240, "the sample register's job")
            yield Service(base, tokens, known_ids(http, tokens["reader"], job))
    finally:
        server.stop()
        database.close()


def create_token(role: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "tokens", "create", "--role", role,
         "--name", f"fuzz-{role}"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def upload(http: httpx.Client, token: str, name: str, data: bytes) -> str:
    answer = http.post("/documents", headers=bearer(token), files={"file": (name, data)})
    answer.raise_for_status()
    return str(answer.json()["job_id"])


def job_state(http: httpx.Client, token: str, job: str) -> str:
    return str(http.get(f"/jobs/{job}", headers=bearer(token)).json()["state"])


def known_ids(http: httpx.Client, token: str, job: str) -> dict[str, list[str]]:
    records = http.get("/records", params={"limit": 20}, headers=bearer(token)).json()
    if not records["records"]:
        raise RuntimeError("the sample register gave no records: see serve.log")
    return {
        "record_id": [r["record_id"] for r in records["records"]],
        "job_id": [job],
        "sha256": sorted({r["source"]["document_sha256"] for r in records["records"]}),
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- checking one response ---------------------------------------------------------------------


def error_shape_problem(status: int, body: bytes) -> str | None:
    """Why an error response is not ``{"error": {"status", "code", "message"}}``, or None."""
    if status < 400:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:80]!r}"
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(document, dict) or set(document) != {"error"} or not isinstance(error, dict):
        return f"not {{'error': {{...}}}}: {str(document)[:120]}"
    if set(error) != ERROR_KEYS:
        return f"error keys {sorted(error)}, not {sorted(ERROR_KEYS)}"
    if error["status"] != status or not isinstance(error["code"], str) or not isinstance(
            error["message"], str) or not error["message"]:
        return f"error fields wrong for a {status}: {str(error)[:120]}"
    return None


def schema_problems(case: Any, response: Any) -> list[tuple[str, str]]:
    """schemathesis's own verdicts on the response, as (kind, message)."""
    from schemathesis import checks

    found = []
    for kind, check in (
        ("server_error", checks.not_a_server_error),
        ("undocumented_status", checks.status_code_conformance),
        ("content_type", checks.content_type_conformance),
        ("response_schema", checks.response_schema_conformance),
    ):
        try:
            case.validate_response(response, checks=[check])
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - a FailureGroup
            found.append((kind, _first_line(exc)))
    return found


def _first_line(exc: BaseException) -> str:
    """A schemathesis failure's title and what it saw, on one line."""
    inner = getattr(exc, "exceptions", None)
    failure = inner[0] if inner else exc
    title = getattr(failure, "title", type(failure).__name__)
    said = " ".join(str(failure).split())
    return f"{title}: {said}"[:300]


# --- the campaign ------------------------------------------------------------------------------


@dataclass
class Campaign:
    out: Path
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)

    jobs: dict[str, str] = field(default_factory=dict)  # uploaded job id -> its input's file

    def check(self, case: Any, response: Any) -> None:
        """One schemathesis request: its verdicts and the error shape."""
        problems = schema_problems(case, response)
        self.note(f"{case.method} {case.path}", response.status_code, response.content,
                  problems, lambda: str(case.as_curl_command()))

    def note(self, label: str, status: int, body: bytes, problems: list[tuple[str, str]],
             reproduce: Callable[[], str]) -> None:
        self.requests += 1
        self.statuses[f"{label} {status}"] += 1
        if status >= 500 and not any(kind == "server_error" for kind, _ in problems):
            problems = [*problems, ("server_error", body[:200].decode(errors="replace"))]
        shape = error_shape_problem(status, body)
        if shape:
            problems = [*problems, ("error_shape", shape)]
        for kind, message in problems:
            self.record(kind, label, status, message, reproduce)

    def record(self, kind: str, label: str, status: int | str, message: str,
               reproduce: Callable[[], str]) -> None:
        key = f"{kind} {label} {status}"
        if key in self.findings:
            self.findings[key]["count"] += 1
            return
        self.findings[key] = {"kind": kind, "operation": label, "status": status,
                              "message": message, "count": 1,
                              "curl": reproduce(), "first_at_request": self.requests}
        print(f"finding {len(self.findings)}: {key}: {message[:160]}", flush=True)

    def stats(self) -> dict[str, Any]:
        seconds = time.monotonic() - self.started
        return {"requests": self.requests, "seconds": round(seconds, 1),
                "requests_per_second": round(self.requests / max(seconds, 1e-9), 1),
                "statuses": dict(sorted(self.statuses.items())),
                "findings": list(self.findings.values())}

    def save(self) -> None:
        (self.out / "stats.json").write_text(json.dumps(self.stats(), indent=1))


def load_schema(service: Service) -> Any:
    import schemathesis

    return schemathesis.openapi.from_url(f"{service.base}/openapi.json")


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def fuzz_operation(operation: Any, service: Service, campaign: Campaign, examples: int,
                   seed: int, timeout: float = 60) -> None:
    """``examples`` requests to one operation: valid and invalid inputs, every kind of token,
    real ids for half the path parameters."""
    from schemathesis import GenerationMode

    modes = st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    cases = st.builds(_strategy_for, st.just(operation), modes, real_ids(operation, service))

    @fixed_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(cases.flatmap(lambda strategy: strategy), st.sampled_from(TOKEN_CHOICES))
    def send(case: Any, who: str) -> None:
        response = case.call(base_url=service.base, headers=auth(service, who), timeout=timeout)
        campaign.check(case, response)

    send()


def _strategy_for(operation: Any, mode: Any, ids: dict[str, str]) -> Any:
    return operation.as_strategy(generation_mode=mode, path_parameters=ids or None)


def real_ids(operation: Any, service: Service) -> st.SearchStrategy[dict[str, str]]:
    """Half the time, the operation's path parameters are ids the store really has."""
    names = [name for name in service.ids if "{" + name + "}" in operation.path]
    if not names:
        return st.just({})
    real = st.fixed_dictionaries({n: st.sampled_from(service.ids[n]) for n in names})
    return st.one_of(st.just({}), real)


def auth(service: Service, who: str) -> dict[str, str]:
    if who == "none":
        return {}
    if who == "unknown":
        return bearer("not-a-token-drr-ever-made")
    return bearer(service.tokens[who])


# --- uploads: the OpenAPI document has no body for POST /documents ---------------------------

# Reasons a job fails with when the pipeline raised something other than a DrrError (see
# workers/jobs.py ``judge``): the reader or enricher has a bug the document reached.
INTERNAL_REASONS = ("internal error", "the database refused", "ran out of memory", "gave up")


def upload_inputs(seed: int) -> Iterator[tuple[str, bytes]]:
    """Mutated corpus documents, as the reader fuzzer makes them, under their names."""
    import random

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import fuzz_readers as fr

    seeds = [fr.encode_input(s) for s in fr.corpus_seeds() if len(s.data) < 60_000]
    rng = random.Random(seed)
    while True:
        yield fr.decode_input(fr.mutate(rng.choice(seeds), rng))


def fuzz_uploads(service: Service, campaign: Campaign, count: int, seed: int) -> None:
    """``count`` uploads of mutated documents with the submitter's token: each must get a
    202, or a 4xx in the error shape; the jobs of accepted ones are followed by ``settle``."""
    inputs = upload_inputs(seed)
    with httpx.Client(base_url=service.base, timeout=60,
                      headers=bearer(service.tokens["submitter"])) as http:
        for _ in range(count):
            name, data = next(inputs)
            answer = http.post("/documents", files={"file": (name, data)})
            saved = _keep(campaign.out, name, data)
            campaign.note("POST /documents (upload)", answer.status_code, answer.content, [],
                          _says(f"curl -F file=@{saved} .../documents"))
            if answer.status_code == 202:
                campaign.jobs[answer.json()["job_id"]] = saved


def _says(text: str) -> Callable[[], str]:
    return lambda: text


def _keep(folder: Path, name: str, data: bytes) -> str:
    import hashlib

    path = folder / "uploads" / f"{hashlib.sha256(data).hexdigest()[:16]}-{name}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return str(path)


def settle(service: Service, campaign: Campaign, timeout: float = 600) -> None:
    """Wait for the uploaded jobs; a job failed by a non-DrrError is a finding."""
    deadline = time.monotonic() + timeout
    pending = dict(campaign.jobs)
    with httpx.Client(base_url=service.base, timeout=60,
                      headers=bearer(service.tokens["reader"])) as http:
        while pending and time.monotonic() < deadline:
            for job_id, saved in list(pending.items()):
                job = http.get(f"/jobs/{job_id}").json()
                if job["state"] in ("done", "failed"):
                    del pending[job_id]
                    reason = job.get("reason") or ""
                    if reason.startswith(INTERNAL_REASONS):
                        campaign.record("job_internal_error", "job of an upload", job["state"],
                                        reason, _says(f"drr process {saved}"))
            time.sleep(0.5 if pending else 0)
    for job_id, saved in pending.items():
        campaign.record("job_unfinished", "job of an upload", "queued/running",
                        f"job {job_id} not finished within {timeout:g} s", _says(saved))


def run(service: Service, campaign: Campaign, requests: int, seed: int,
        progress: Callable[[Campaign], None] = lambda _: None, upload_share: float = 0.05
        ) -> None:
    """Rounds over every operation, and uploads, until ``requests`` have been sent."""
    ops = operations(load_schema(service))
    per_round = max(1, min(100, requests // (len(ops) * 4) or 1))
    uploads = max(1, int(per_round * len(ops) * upload_share))
    rounds = 0
    while campaign.requests < requests:
        for operation in ops:
            left = requests - campaign.requests
            if left <= 0:
                break
            fuzz_operation(operation, service, campaign, min(per_round, left), seed + rounds)
            rounds += 1
        fuzz_uploads(service, campaign, uploads, seed + rounds)
        campaign.save()
        progress(campaign)
    settle(service, campaign)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "drr-fuzz-api")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with running_service(args.out) as service:
        campaign = Campaign(args.out)
        print(f"fuzzing {service.base}: {args.requests} requests", flush=True)
        run(service, campaign, args.requests, args.seed,
            lambda c: print(f"{c.requests} requests, {len(c.findings)} findings", flush=True))
        campaign.save()
    print(json.dumps({k: v for k, v in campaign.stats().items()
                      if k not in ("findings", "statuses")}))


if __name__ == "__main__":
    main()
