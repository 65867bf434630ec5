from datetime import date

import pytest

from readnext.errors import ValidationError
from readnext.records.papers import Paper, arxiv_id, canonical_id, merge, paper_from_dict


@pytest.mark.parametrize("value, expected", [
    ("2106.09608", "2106.09608"), ("2106.09608v3", "2106.09608"), ("arXiv:2106.09608v1", "2106.09608"),
    ("https://arxiv.org/abs/2106.09608v2", "2106.09608"), ("https://arxiv.org/pdf/2106.09608", "2106.09608"),
    ("hep-th/9901001v2", "hep-th/9901001"), ("math.GT/0309136", "math.GT/0309136"), ("hello", None),
])
def test_arxiv_ids_lose_their_version(value, expected):
    assert arxiv_id(value) == expected


def test_canonical_ids():
    assert canonical_id("doi:10.1103/PhysRevLett.99.121801") == "doi:10.1103/physrevlett.99.121801"
    assert canonical_id("https://doi.org/10.1000/XYZ") == "doi:10.1000/xyz"
    assert canonical_id("Scholar:ABC123") == "scholar:ABC123"
    with pytest.raises(ValidationError):
        canonical_id("not an id")
    with pytest.raises(ValidationError):
        canonical_id("")


def test_paper_from_dict_normalises_and_links_ids():
    paper = paper_from_dict({"id": "scholar:777", "title": "  A   title ", "url": "https://arxiv.org/abs/2106.09608v2",
                             "doi": "10.1103/ABC", "authors": "A. One, B. Two and C. Three", "year": "2021"})
    assert paper.id == "2106.09608"
    assert set(paper.aliases) == {"scholar:777", "doi:10.1103/abc"}
    assert paper.title == "A title"
    assert paper.authors == ["A. One", "B. Two", "C. Three"]
    assert paper.year == 2021


@pytest.mark.parametrize("bad", [
    {"title": "no id"}, {"id": 5}, {"id": "2106.09608", "title": 7}, {"id": "2106.09608", "authors": [1]},
    {"id": "2106.09608", "year": "soon"}, {"id": "2106.09608", "year": 99999}, {"id": "2106.09608", "cited_by": "x"},
    "a string",
])
def test_malformed_papers_are_rejected(bad):
    with pytest.raises(ValidationError):
        paper_from_dict(bad)


def test_year_comes_from_date_and_url_from_arxiv_id():
    paper = paper_from_dict({"id": "0704.0001", "date": "2007-04-02"})
    assert paper.year == 2007 and paper.url == "https://arxiv.org/abs/0704.0001"


def test_merge_keeps_the_richer_fields_and_the_arxiv_id():
    listing = Paper(id="scholar:1", title="Attention", authors=["A"], cited_by=10)
    page = Paper(id="1706.03762", title="Attention is all you need", abstract="The dominant ...", authors=["A", "B"])
    merged = merge(listing, page)
    assert merged.id == "1706.03762"
    assert merged.title == "Attention is all you need" and merged.abstract == "The dominant ..."
    assert merged.authors == ["A", "B"] and merged.cited_by == 10
    assert "scholar:1" in merged.aliases


def test_content_hash_follows_the_text():
    a = Paper(id="1", title="T", abstract="x")
    assert a.content_hash() == Paper(id="2", title="T", abstract="x").content_hash()
    assert a.content_hash() != Paper(id="1", title="T", abstract="y").content_hash()


def test_tex_in_author_names_is_decoded_for_display():
    paper = paper_from_dict({"id": "0704.0001", "authors": ["Daniela K\\\"uhn", "{\\'E}mile Borel", "Ana Pérez"]})
    assert paper.authors == ["Daniela Kühn", "Émile Borel", "Ana Pérez"]


@pytest.mark.parametrize("fields", [{"year": 999}, {"year": 5138}, {"year": "9999"}, {"date": "5138-01-01"},
                                    {"date": "0042-01-01"}, {"date": "2023-13-01"}, {"date": "2023-02-30"},
                                    {"date": f"{date.today().year + 2}-01-01"}])
def test_a_year_or_date_out_of_range_is_refused(fields):
    with pytest.raises(ValidationError, match="out of range|not a date"):
        paper_from_dict({"id": "2301.00001", **fields})


@pytest.mark.parametrize("fields, year", [({"year": 1687}, 1687), ({"date": "1991-08-14"}, 1991),
                                          ({"date": f"{date.today().year + 1}-01-05"}, date.today().year + 1),
                                          ({"date": "2007-04-02T00:00:00"}, 2007), ({"date": ""}, None)])
def test_years_and_dates_in_range_are_kept(fields, year):
    assert paper_from_dict({"id": "2301.00001", **fields}).year == year
