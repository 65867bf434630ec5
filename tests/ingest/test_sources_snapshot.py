import json
import tracemalloc

import pytest

from conftest import shared_path
from readnext.errors import ValidationError
from readnext.ingest.sources import snapshot
from readnext.ingest.sources.snapshot import SnapshotFilter, SnapshotReader, category_matches

# The first record of arXiv's bulk metadata snapshot, as the snapshot spells it (title broken over two lines).
KAGGLE_RECORD = {
    "id": "0704.0001",
    "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages, 15 figures; published version",
    "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009",
    "report-no": "ANL-HEP-PR-07-12",
    "categories": "hep-ph",
    "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the "
                "production of massive photon pairs at hadron colliders.\n",
    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                 {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}],
    "update_date": "2008-11-13",
    "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", ""],
                       ["Yuan", "C. -P.", ""]],
}


def kaggle(pid, categories="cs.LG", v1="Mon, 2 Apr 2007 19:18:42 GMT", updated="2008-11-13", **extra):
    record = dict(KAGGLE_RECORD, id=pid, categories=categories, update_date=updated,
                  versions=[{"version": "v1", "created": v1}])
    record.update(extra)
    return json.dumps(record)


def write_lines(path, lines, end="\n"):
    path.write_bytes("".join(line + end for line in lines).encode("utf-8"))
    return path


def test_reads_a_record_of_arxivs_bulk_snapshot(tmp_path):
    path = write_lines(tmp_path / "snap.json", [json.dumps(KAGGLE_RECORD)])
    [(position, paper)] = list(SnapshotReader(path))
    assert paper.id == "0704.0001"
    assert paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.date == "2007-04-02" and paper.year == 2007
    assert paper.categories == ["hep-ph"]
    assert paper.venue == "Phys.Rev.D76:013009,2007"
    assert paper.aliases == ["doi:10.1103/physrevd.76.013009"]
    assert paper.url == "https://arxiv.org/abs/0704.0001"
    assert paper.abstract.startswith("A fully differential calculation in perturbative")
    assert paper.source == "import"
    assert (position.line, position.offset, position.next_offset) == (1, 0, path.stat().st_size)


def test_authors_string_is_split_without_affiliations_when_nothing_parsed_is_given(tmp_path):
    record = dict(KAGGLE_RECORD, authors="Ann Lee (MIT (CSAIL)), Bo Chen and Cy Dee (ETH)", authors_parsed=None)
    path = write_lines(tmp_path / "snap.json", [json.dumps(record)])
    [(_, paper)] = list(SnapshotReader(path))
    assert paper.authors == ["Ann Lee", "Bo Chen", "Cy Dee"]


def test_streams_the_shared_sample_of_1219_papers():
    path = shared_path("data", "arxiv-sample.jsonl")
    reader = SnapshotReader(path)
    papers = [paper for _, paper in reader]
    assert len(papers) == 1219
    assert reader.stats.malformed == 0 and reader.stats.line == 1219
    assert len({p.id for p in papers}) == 1219
    assert reader.stats.next_offset == path.stat().st_size == reader.size()
    by_id = {p.id: p for p in papers}
    tex = by_id["acc-phys/9411002"]
    assert tex.title.startswith("Order $\\hbar$ Corrections")  # TeX is kept as arXiv has it
    assert tex.authors == ["Patrick L. Nash"] and tex.date == "1994-11-19"
    assert all(p.title for p in papers)
    # 13 of the sample's records (from 2023 listing mails) carry no date; every other one keeps its day.
    dated = [p for p in papers if p.date]
    assert len(dated) == 1219 - 13 and all(len(p.date) == 10 and p.year == int(p.date[:4]) for p in dated)


def test_shared_sample_filters_agree_with_the_raw_records():
    path = shared_path("data", "arxiv-sample.jsonl")
    raw = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    expected_cs = {r["id"] for r in raw if any(c.startswith("cs.") for c in r["categories"])}
    expected_2023 = {r["id"] for r in raw if (r["date"] or "")[:10] >= "2023-01-01"}
    cs = {p.id for _, p in SnapshotReader(path, SnapshotFilter(categories=("cs.",)))}
    recent = {p.id for _, p in SnapshotReader(path, SnapshotFilter(date_from="2023-01-01"))}
    assert cs == expected_cs and 0 < len(cs) < 1219
    assert recent == expected_2023 and 0 < len(recent) < 1219


@pytest.mark.parametrize("category, wanted, matches", [
    ("cs.LG", "cs", True), ("cs.LG", "cs.", True), ("cs.LG", "cs.LG", True), ("cs.LO", "cs.LG", False),
    ("math.AG", "math", True), ("math-ph", "math", False), ("math-ph", "math-ph", True),
    ("hep-th", "hep-th", True), ("hep-th", "hep", False), ("stat.ML", "cs.", False),
])
def test_category_filters_match_archives_and_categories(category, wanted, matches):
    assert category_matches(category, wanted) is matches


def test_filters_by_any_of_several_categories_and_primary_only(tmp_path):
    path = write_lines(tmp_path / "snap.json", [
        kaggle("2101.00001", "cs.LG stat.ML"), kaggle("2101.00002", "stat.ML cs.LG"),
        kaggle("2101.00003", "math-ph math.MP"), kaggle("2101.00004", "cs.CL"), kaggle("2101.00005", "hep-th")])
    ids = lambda f: [p.id for _, p in SnapshotReader(path, f)]  # noqa: E731
    assert ids(SnapshotFilter(categories=("cs.LG", "math"))) == ["2101.00001", "2101.00002", "2101.00003"]
    assert ids(SnapshotFilter(categories=("cs.LG",), primary_only=True)) == ["2101.00001"]
    assert ids(SnapshotFilter(categories=("cs.",))) == ["2101.00001", "2101.00002", "2101.00004"]
    reader = SnapshotReader(path, SnapshotFilter(categories=("hep-th",)))
    assert [p.id for _, p in reader] == ["2101.00005"]
    assert reader.stats.filtered == 4 and reader.stats.papers == 1


def test_filters_by_date_range_on_first_version_or_update(tmp_path):
    path = write_lines(tmp_path / "snap.json", [
        kaggle("2001.00001", v1="Wed, 1 Jan 2020 10:00:00 GMT", updated="2023-05-01"),
        kaggle("2106.00002", v1="Thu, 17 Jun 2021 10:00:00 GMT", updated="2021-06-18"),
        kaggle("2212.00003", v1="Sat, 31 Dec 2022 23:59:59 GMT", updated="2022-12-31"),
        kaggle("2301.00004", versions=None, v1="", updated="2023-01-02"),
    ])
    ids = lambda f: [p.id for _, p in SnapshotReader(path, f)]  # noqa: E731
    assert ids(SnapshotFilter(date_from="2021-01-01", date_until="2022-12-31")) == ["2106.00002", "2212.00003"]
    assert ids(SnapshotFilter(date_until="2020-01-01")) == ["2001.00001"]
    assert ids(SnapshotFilter(date_from="2023-01-01", date_field="updated")) == ["2001.00001", "2301.00004"]
    assert ids(SnapshotFilter()) == ["2001.00001", "2106.00002", "2212.00003", "2301.00004"]


@pytest.mark.parametrize("bad", [
    {"date_from": "2021-13-01"}, {"date_until": "yesterday"}, {"date_field": "published"},
    {"categories": ("cs LG",)}, {"categories": ("",)},
])
def test_filter_rejects_what_it_cannot_apply(bad):
    with pytest.raises(ValidationError):
        SnapshotFilter(**bad)


def test_malformed_lines_are_counted_and_skipped(tmp_path):
    path = tmp_path / "snap.json"
    good = kaggle("2101.00001")
    path.write_bytes(b"\n".join([
        good.encode(), b"{not json", b"[1, 2]", b"", b"   ", json.dumps({"title": "no id"}).encode(),
        json.dumps({"id": "not-an-id", "title": "x"}).encode(), b'{"id": "2101.00002", "title": "\xff\xfe"}',
        json.dumps(dict(KAGGLE_RECORD, id="2101.00003", authors_parsed=[["a", "b"]], categories=7)).encode(),
        kaggle("2101.00004").encode(),
    ]))  # no newline at the end: the last line is still a whole record
    reader = SnapshotReader(path)
    assert [p.id for _, p in reader] == ["2101.00001", "2101.00004"]
    assert reader.stats.malformed == 6
    assert reader.stats.malformed_lines == [2, 3, 6, 7, 8, 9]
    assert reader.stats.line == 10 and reader.stats.next_offset == path.stat().st_size


def test_an_overlong_line_is_skipped_without_holding_it(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "MAX_LINE_BYTES", 1000)
    long_line = json.dumps({"id": "2101.00002", "title": "x" * 5000})
    path = write_lines(tmp_path / "snap.json", [kaggle("2101.00001")[:100], long_line, '{"id": "2101.00003", '
                                                '"title": "After"}'])
    reader = SnapshotReader(path)
    assert [(pos.line, p.id) for pos, p in reader] == [(3, "2101.00003")]
    assert reader.stats.malformed == 2  # the cut-short first line and the overlong one


def test_resumes_from_a_saved_offset_or_line(tmp_path):
    lines = [kaggle(f"2101.{n:05d}") for n in range(1, 11)]
    lines[4] = "{broken"
    path = write_lines(tmp_path / "snap.json", lines)
    first = SnapshotReader(path)
    seen = []
    for position, paper in first:
        seen.append(paper.id)
        if len(seen) == 6:
            break
    saved = (first.stats.next_offset, first.stats.line)
    assert saved[1] == 7  # six papers and the broken line
    rest = SnapshotReader(path, start_offset=saved[0], start_line=saved[1])
    resumed = [(pos.line, p.id) for pos, p in rest]
    assert resumed == [(8, "2101.00008"), (9, "2101.00009"), (10, "2101.00010")]
    by_line = SnapshotReader(path, start_line=7)
    assert [(pos.line, p.id) for pos, p in by_line] == resumed
    assert by_line.stats.next_offset == rest.stats.next_offset == path.stat().st_size
    at_end = SnapshotReader(path, start_offset=path.stat().st_size, start_line=10)
    assert list(at_end) == []


def test_refuses_an_offset_in_the_middle_of_a_line(tmp_path):
    path = write_lines(tmp_path / "snap.json", [kaggle("2101.00001"), kaggle("2101.00002")])
    with pytest.raises(ValidationError, match="not the start of a line"):
        list(SnapshotReader(path, start_offset=10))
    with pytest.raises(ValidationError):
        SnapshotReader(path, start_offset=-1)


def test_reads_standard_input(tmp_path, monkeypatch):
    import io
    import sys
    data = "\n".join([kaggle("2101.00001"), kaggle("2101.00002")]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert [p.id for _, p in SnapshotReader("-", start_line=1)] == ["2101.00002"]


@pytest.mark.slow
def test_100k_lines_stream_in_flat_memory_and_resume_by_seeking(tmp_path):
    path = tmp_path / "big.json"
    abstract = "We study a synthetic problem of some length so that each line weighs what a real one does. " * 4
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(100_000):
            handle.write(json.dumps({
                "id": f"{2000 + n // 20000}.{n % 20000:05d}", "submitter": "S", "authors": "A. One, B. Two",
                "title": f"Synthetic paper {n} on\n  $\\mathcal{{O}}(n)$ things", "comments": None,
                "journal-ref": None, "doi": None, "report-no": None,
                "categories": "cs.LG stat.ML" if n % 10 == 9 else "math.PR", "license": None,
                "abstract": abstract, "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
                "update_date": "2008-11-13", "authors_parsed": [["One", "A.", ""], ["Two", "B.", ""]],
            }) + "\n")
    assert path.stat().st_size > 40 * 1024 * 1024  # holding the file, or its records, would blow the budget

    # Every line is parsed; one in ten passes the filter and becomes a Paper (tracing all 100k through Paper
    # construction would take tracemalloc half a minute, for the same answer).
    reader = SnapshotReader(path, SnapshotFilter(categories=("cs",)))
    tracemalloc.start()
    try:
        count, middle = 0, None
        for position, paper in reader:
            count += 1
            if count == 5_000:
                middle = position
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 10_000 and reader.stats.filtered == 90_000 and reader.stats.malformed == 0
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert middle.line == 50_000 and paper.title == "Synthetic paper 99999 on $\\mathcal{O}(n)$ things"

    rest = SnapshotReader(path, SnapshotFilter(categories=("cs",)), start_offset=middle.next_offset,
                          start_line=middle.line)
    resumed = [(pos.line, p.id) for pos, p in rest]
    assert len(resumed) == 5_000
    assert resumed[0] == (50_010, "2002.10009") and resumed[-1] == (100_000, "2004.19999")
