"""Browser tests of the extension (a package, so that its conftest does not shadow tests/conftest.py)."""
