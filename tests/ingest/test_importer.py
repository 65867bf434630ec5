"""`readnext import`: arXiv snapshots into the corpus (filters, resume), .bib and CSL-JSON files as history."""
import io
import json

import pytest

from conftest import make_paper
from library_files import LIBRARY_BIB, SNAPSHOT, snapshot_line, write
from readnext import cli
from readnext.ingest import importer
from readnext.config import Config
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.errors import ValidationError
from readnext.ingest.importer import detect_format, import_jsonl, import_library
from readnext.records.papers import paper_from_dict
from readnext.ingest.sources.snapshot import SnapshotFilter


def corpus_papers():
    """Papers the corpus already holds: one under its arXiv id, one under an arXiv id with the DOI as alias."""
    return [make_paper("1706.03762", "Attention Is All You Need", "The dominant sequence transduction models"),
            make_paper("1503.00001", "Deep learning", "A review of deep learning", doi="10.1038/nature14539")]


# --- snapshots -------------------------------------------------------------------------------------------------
def test_a_snapshot_is_filtered_by_category_and_first_version_date(engine, tmp_path):
    path = write(tmp_path / "arxiv-metadata-oai-snapshot.json", SNAPSHOT)
    report = import_jsonl(engine, path, show_progress=False,
                          filter=SnapshotFilter(("cs", "math.AG"), date_from="2021-01-01", date_until="2021-02-28"))
    assert (report.read, report.stored, report.filtered, report.skipped) == (7, 3, 3, 1)
    assert report.malformed_lines == [4]
    assert engine.corpus.count() == 3 and len(engine.index) == 3
    assert {p.id for _, p in engine.corpus.iter_papers()} == {"2101.00001", "2101.00002", "2102.00003"}
    lg = engine.paper("2102.00003")
    assert lg.categories == ["hep-ph", "cs.LG"] and lg.date == "2021-02-01" and lg.authors == ["A. Person", "B. Person"]


def test_an_interrupted_import_resumes_after_its_last_stored_batch(config, tmp_path, monkeypatch):
    lines = [snapshot_line(f"2201.{n:05d}", "cs.LG", "Mon, 3 Jan 2022 09:00:00 GMT") for n in range(1, 11)]
    path = write(tmp_path / "snap.jsonl", lines)
    monkeypatch.setattr(importer, "BATCH", 3)

    class Interrupted(ReadNext):
        batches = 0

        def add_papers(self, papers):
            Interrupted.batches += 1
            if Interrupted.batches == 3:
                raise KeyboardInterrupt  # Ctrl-C during the third batch
            return super().add_papers(papers)

    engine = Interrupted(config, embedder=HashingEmbedder(64))
    with pytest.raises(KeyboardInterrupt):
        import_jsonl(engine, path, show_progress=False)
    engine.close()
    engine = ReadNext(config, embedder=HashingEmbedder(64))
    assert engine.corpus.count() == 6
    again = import_jsonl(engine, path, show_progress=False)
    assert again.resumed_at == sum(len(line) + 1 for line in lines[:6])
    assert (again.read, again.stored) == (4, 4) and engine.corpus.count() == 10 and len(engine.index) == 10
    assert import_jsonl(engine, path, show_progress=False).read == 0  # done: nothing is read twice
    # Another filter is another import: it reads the file from its start.
    assert import_jsonl(engine, path, show_progress=False, filter=SnapshotFilter(("cs.LG",))).read == 10
    engine.close()


def test_the_progress_line_shows_rate_share_and_time_left(engine, tmp_path, capsys):
    path = write(tmp_path / "snap.jsonl", SNAPSHOT)
    import_jsonl(engine, path)
    err = capsys.readouterr().err
    assert "6 papers" in err and "100.0%" in err and "papers/s" in err and "ETA 0:00" in err


def test_the_progress_line_comes_before_the_first_paper_and_after_the_first_small_batch(config, tmp_path):
    lines = [snapshot_line(f"2101.{i:05d}", "cs.LG", "Mon, 4 Jan 2021 10:00:00 GMT") for i in range(200)]
    path = write(tmp_path / "snap.jsonl", lines)
    stream = io.StringIO()
    seen = []  # (batch size, what the user saw before that batch was embedded)

    class Watched(ReadNext):
        def add_papers(self, papers):
            seen.append((len(papers), stream.getvalue()))
            return super().add_papers(papers)

    engine = Watched(config, embedder=HashingEmbedder(64))
    import_jsonl(engine, path, stream=stream)
    engine.close()
    assert seen[0][0] <= 4 and "0 papers" in seen[0][1]  # a line at once, and a first batch of a few papers
    assert f"{seen[0][0]} papers" in seen[1][1]  # the first batch is shown as soon as it is stored
    assert max(size for size, _ in seen) == importer.BATCH and sum(size for size, _ in seen) == 200


# --- libraries --------------------------------------------------------------------------------------------------
def test_a_bib_file_becomes_history_linked_to_corpus_papers(engine, tmp_path):
    engine.add_papers([paper_from_dict(p) for p in corpus_papers()])
    path = tmp_path / "mine.bib"
    path.write_text(LIBRARY_BIB, encoding="utf-8")
    report = import_library(engine, path, "mine")
    assert (report.papers, report.linked, report.new, report.recorded) == (3, 2, 1, 3)
    assert len(report.problems) == 1 and "broken" in report.problems[0] and "no title" in report.problems[0]
    assert engine.corpus.count() == 3  # two merged into corpus papers, one new
    deep = engine.corpus.get("doi:10.1038/nature14539")
    assert deep.id == "1503.00001" and deep.venue == "Nature"  # the corpus copy, enriched by the .bib entry
    states = {paper.id: engine.profile().states[engine.corpus.label_of(paper.id)] for paper in engine.library()}
    assert states == {"1706.03762": "own", "1503.00001": "own", "bib:knuth1984texbook": "own"}
    assert {e.type for e in engine.history.events()} == {"authored"}


def test_importing_the_same_library_again_counts_each_paper_once(engine, tmp_path):
    path = tmp_path / "list.bib"
    path.write_text(LIBRARY_BIB, encoding="utf-8")
    first = import_library(engine, path, "reading-list")
    again = import_library(engine, path, "reading-list")
    assert (first.recorded, first.new) == (3, 3)
    assert (again.recorded, again.already_recorded, again.linked, again.new) == (0, 3, 3, 0)
    assert len(engine.history) == 3 and engine.corpus.count() == 3
    assert set(engine.profile().states.values()) == {"read"}
    views = engine.history.events()
    assert all(e.type == "view" and e.seconds == 300 and e.site == "import" for e in views)
    assert engine.recommend(k=3).mode == "personal"


def test_a_csl_json_export_is_recognised_by_its_content(engine, tmp_path):
    engine.add_papers([paper_from_dict(
        make_paper("2106.09685", "LoRA: Low-Rank Adaptation of Large Language Models", categories=["cs.CL"]))])
    items = [{"id": "http://zotero.org/users/1/items/A", "type": "article", "publisher": "arXiv",
              "title": "LoRA: Low-Rank Adaptation of Large Language Models", "number": "arXiv:2106.09685",
              "author": [{"family": "Hu", "given": "Edward J."}], "issued": {"date-parts": [[2021, 10, 16]]}},
             {"id": "B", "type": "article-journal", "title": "Deep learning", "DOI": "10.1038/nature14539",
              "container-title": "Nature", "issued": {"date-parts": [[2015, 5]]}},
             {"id": "C", "type": "book"}]
    path = tmp_path / "zotero.json"
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    assert detect_format(path) == "csljson"
    report = import_library(engine, path, "mine")
    assert (report.papers, report.linked, report.new, report.recorded) == (2, 1, 1, 2)
    assert report.problems == ["item 3 ('C'): no title"]
    assert {p.id for p in engine.library()} == {"2106.09685", "doi:10.1038/nature14539"}


@pytest.mark.parametrize("name, text, expected", [
    ("a.json", SNAPSHOT[0] + "\n", "snapshot"),
    ("a.json", '[{"id": "x", "type": "book", "title": "T"}]', "csljson"),
    ("a.json", '{\n  "id": "x",\n  "type": "book"\n}', "csljson"),
    ("a.json", '{"items": [{"id": "x", "type": "book", "title": "T"}]}', "csljson"),
    ("a.jsonl", '[1]', "snapshot"),
    ("refs.txt", "% exported\n@article{k, title={T}}", "bibtex"),
    ("a.bib", "", "bibtex"),
])
def test_the_format_is_told_by_suffix_then_content(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert detect_format(path) == expected


def test_a_snapshot_is_no_library(engine, tmp_path):
    path = write(tmp_path / "snap.jsonl", SNAPSHOT[:1])
    with pytest.raises(ValidationError, match="import it without --as"):
        import_library(engine, path, "mine")
    with pytest.raises(ValidationError, match="no such file"):
        detect_format(tmp_path / "missing.bib")


# --- the command ------------------------------------------------------------------------------------------------
@pytest.fixture
def run(tmp_path, capsys):
    """`readnext ...` in this process, with the test embedder instead of the transformer."""
    factories = cli.Factories(engine=lambda config: ReadNext(config, embedder=HashingEmbedder(64)))
    home = tmp_path / "home"

    def readnext(*args):
        code = cli.main([*args, "--home", str(home)], factories)
        out, err = capsys.readouterr()
        return code, out, err
    readnext.home = home
    return readnext


def test_the_command_imports_a_filtered_snapshot_then_a_bib(run, tmp_path):
    snap = write(tmp_path / "arxiv-metadata-oai-snapshot.json", SNAPSHOT)
    code, out, err = run("import", str(snap), "--category", "cs", "--from", "2021-01-01")
    assert code == 0, err
    assert "imported 3 papers from 7 lines" in out and "3 filtered out" in out and "unreadable lines: 4" in out
    assert "papers/s" in err and "ETA" in err
    bib = tmp_path / "refs.bib"
    bib.write_text(LIBRARY_BIB.replace("1706.03762", "2101.00001"), encoding="utf-8")
    code, out, err = run("import", str(bib), "--as", "mine")
    assert code == 0, err
    assert "read 3 papers from" in out and "1 linked to papers already in the corpus, 2 new" in out
    assert "recorded 3 as your own papers" in out and "line 18, entry 'broken': no title" in out
    code, out, _ = run("import", str(bib), "--as", "mine")
    assert "recorded 0 as your own papers (weighed like saved ones); 3 were already recorded" in out
    engine = ReadNext(Config.load(home=run.home), embedder=HashingEmbedder(64))
    assert engine.corpus.count() == 5 and len(engine.history) == 3
    engine.close()


def test_the_command_refuses_options_of_the_other_kind_of_file(run, tmp_path):
    snap = write(tmp_path / "snap.jsonl", SNAPSHOT)
    bib = tmp_path / "refs.bib"
    bib.write_text(LIBRARY_BIB, encoding="utf-8")
    code, _, err = run("import", str(snap), "--as", "mine")
    assert code == 1 and "--as is for .bib and CSL-JSON files" in err
    code, _, err = run("import", str(bib), "--category", "cs")
    assert code == 1 and "filter arXiv snapshots" in err
    code, _, err = run("import", str(snap), "--from", "January")
    assert code == 1 and "not a date" in err
