"""Benchmarks: one module per benchmark, each with a ``run() -> dict`` of figures."""
