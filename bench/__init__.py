"""Benchmarks: each module prints a table; `python -m bench` (make bench) runs them all."""
