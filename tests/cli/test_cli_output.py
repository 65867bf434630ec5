"""cli/output.py: results as terminal lines (the commands' own tests check the import, backfill and fetch lines)."""
from readnext.cli import output


def item(rank_id, authors, year, reasons):
    return {"paper": {"id": rank_id, "title": f"Paper {rank_id}", "authors": authors, "year": year},
            "score": 0.734, "reasons": [{"text": text} for text in reasons]}


def test_recommendations_with_their_reasons_wrapped(capsys):
    long_reason = "Because you read " + "a paper with a long title " * 5
    output.print_recommendations({"note": "ordered for variety", "interests": ["graphs", "galaxies"], "items": [
        item("2101.00001", ["A", "B", "C", "D"], 2021, [long_reason]), item("2101.00002", ["E"], None, [])]})
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["ordered for variety", "Your interests: graphs | galaxies"]
    assert lines[3:5] == [" 1. Paper 2101.00001  [73%]", "    2101.00001 · A, B, C et al. · 2021"]
    assert lines[5].startswith("    - Because you read") and len(lines[5]) <= 100 and lines[6].startswith("      a")
    assert lines[-2:] == [" 2. Paper 2101.00002  [73%]", "    2101.00002 · E"]  # no year: no trailing dot


def test_status_lines_with_running_jobs_and_the_embedding(capsys):
    output.print_status({"model": "m", "corpus": 3}, {
        "jobs": [{"kind": "import", "state": "running", "line": "", "what": "refs.bib"},
                 {"kind": "backfill", "state": "done", "line": "old", "what": "cs.LG"}],
        "embedding": {"line": "embedding 1 of 3 papers"}})
    assert capsys.readouterr().out.splitlines() == ["   model: m", "  corpus: 3", "  import: refs.bib",
                                                    "embedding: embedding 1 of 3 papers"]
