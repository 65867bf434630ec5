"""Readers of the places papers come from: arXiv snapshots, BibTeX, CSL-JSON and arXiv's API and RSS feeds.

Each module turns its format into `Paper` records and knows nothing of the engine; `import` and `fetch` wire
them in.
"""
