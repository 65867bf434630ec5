"""The fault suite (issue 9): one test per storage fault, damaged file and bad input, each written to fail
before its fix; kills of real processes use the CLI with the deterministic embedder (fake_readnext.py)."""
