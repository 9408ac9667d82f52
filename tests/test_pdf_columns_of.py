"""``columns_of`` (bisect) gives ``column_of`` (the reader's own loop) for every x."""

from __future__ import annotations

import random

from extract.pdf.columns import column_of, columns_of


def test_columns_of_agrees_with_column_of_on_edges_with_ties_and_ends() -> None:
    rng = random.Random(9)
    for _ in range(5000):
        edges = sorted(rng.choice([0.0, 5.0, 10.0, rng.uniform(0, 20)]) for _ in range(rng.randint(0, 6)))
        xs = [rng.choice([*edges, rng.uniform(-5, 25)]) for _ in range(5)]
        assert columns_of(xs, edges) == [column_of(x, edges) for x in xs], (edges, xs)


def test_edges_out_of_order_take_column_ofs_own_path() -> None:
    edges = [0.0, 30.0, 10.0, 40.0]
    xs = [5.0, 12.0, 35.0, 40.0, 41.0]
    assert columns_of(xs, edges) == [column_of(x, edges) for x in xs]
