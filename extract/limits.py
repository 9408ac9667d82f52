"""Bounds on what one document may cost. Passed in by the caller; extract reads no environment."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_compression_ratio: int = 200
    max_pages: int = 2_000
    max_rows: int = 1_000_000
    max_seconds: float = 300.0
    # What reading one PDF may add to the process's address space (its child's, see
    # ``extract.isolate``): the inflation bound plus room for pdfminer.six's objects.
    max_memory_bytes: int = 1024 * 1024 * 1024
