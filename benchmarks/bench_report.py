"""How fast ``drr report`` and ``drr diff`` are once records exist, and what keeping an
edition costs the store.

    OMP_NUM_THREADS=1 taskset -c 0 python3 benchmarks/bench_report.py [--repeat N]

On the NHS Digital register of February 2021 (5,079 rows, extracted and enriched once
before timing):

- ``figures``: the report's figures over every record; ``html`` / ``markdown``: laying
  them out (and the page's size);
- ``diff``: ``diff_editions`` between two editions derived from the workbook by
  ``corpora/tools/derive_editions.py`` (seed 13, 5 changes of each kind), extracted
  once; and whether it found exactly the expected changes;
- ``edition``: ``finish_job`` of the new edition on a fresh SQLite store that holds the
  old one, with and without the edition kept (the diff against the previous edition runs
  in the same transaction), median of the repeats.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORKBOOK = (ROOT.parent / "shared/corpora-raw/nhs-digital-release-register-2021-02"
            / "1. releaseregister_20210201_20210228.xlsx")


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def derive(out: Path) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(
        "derive_editions", ROOT / "corpora/tools/derive_editions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.derive_files(WORKBOOK, "nhs-digital-xlsx", out, 5, 13)


def store_edition(old: list[dict[str, Any]], new: list[dict[str, Any]], keep: bool) -> float:
    """Seconds to finish the new edition's job on a store holding the old edition."""
    import workers.store as store_module
    from workers.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/drr.sqlite")
        for name, rows in (("old", old), ("new", new)):
            submission = store.submit(name.encode(), f"{name}.xlsx")
            store.start_delivery(submission.job_id)
            sha = submission.document_sha256
            rows = [{**r, "source": {**r["source"], "document_sha256": sha},
                     "record_id": f"{name}-{i}"} for i, r in enumerate(rows)]
            kept = store_module._record_edition
            if not keep:
                store_module._record_edition = lambda *args: None  # type: ignore[assignment]
            try:
                start = time.perf_counter()
                store.finish_job(submission.job_id, sha, "xlsx", rows)
                seconds = time.perf_counter() - start
            finally:
                store_module._record_edition = kept
        changes = len(store.changes())
        store.dispose()
    assert not keep or changes == 20, changes
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from nlp.enrich import build_enricher
    from workers.diff import diff_editions
    from workers.pipeline import extract_records, process_document
    from workers.report import figures, render_html, render_markdown
    from workers.settings import Settings

    settings = Settings()
    enricher = build_enricher(settings.models_dir)
    records = process_document(WORKBOOK.read_bytes(), WORKBOOK.name, settings.limits,
                               enricher)[1]
    out: dict[str, Any] = {"records": len(records)}
    out["figures_s"], numbers = timed(lambda: figures(records), args.repeat)
    out["html_s"], page = timed(lambda: render_html(numbers), args.repeat)
    out["markdown_s"], _ = timed(lambda: render_markdown(numbers), args.repeat)
    out["html_bytes"] = len(page.encode())
    with tempfile.TemporaryDirectory() as tmp:
        expected = derive(Path(tmp))
        old = enricher.enrich(extract_records((Path(tmp) / "old.xlsx").read_bytes(), "old.xlsx",
                                              settings.limits)[1])
        new = enricher.enrich(extract_records((Path(tmp) / "new.xlsx").read_bytes(), "new.xlsx",
                                              settings.limits)[1])
    out["diff_s"], changes = timed(lambda: diff_editions(old, new), args.repeat)
    summary = {(c["change"], c["agreement"].casefold(), tuple(c["fields"])) for c in changes}
    truth = {(c["change"], c["agreement"].casefold(), tuple(c["fields"])) for c in expected}
    out["diff_changes"] = len(changes)
    out["diff_exact"] = summary == truth
    out["finish_job_s"] = statistics.median(store_edition(old, new, False)
                                            for _ in range(args.repeat))
    out["finish_job_with_edition_s"] = statistics.median(store_edition(old, new, True)
                                                         for _ in range(args.repeat))
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()},
                     indent=1))


if __name__ == "__main__":
    main()
