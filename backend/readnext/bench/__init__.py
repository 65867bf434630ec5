"""Benchmarks that measure the product through its own pipeline: `readnext bench ...`."""
