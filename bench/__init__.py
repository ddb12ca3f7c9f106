"""Benchmarks: `make bench` runs them all and prints one JSON document."""
