"""Benchmarks: the harness that measures jifen under load (issue 7)."""
