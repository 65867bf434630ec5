import json

import pytest

from readnext.errors import ValidationError
from readnext.ingest.sources.csljson import csl_name, paper_from_item, papers_from_csljson, read_csljson

# Items as Zotero exports them ("Export Collection..." > CSL JSON): an arXiv preprint, a journal article, a
# book with a Better BibTeX citation key, a conference paper known only by its Zotero id.
ZOTERO_EXPORT = [
    {
        "id": "http://zotero.org/users/1234567/items/ABCD2345",
        "type": "article",
        "title": "LoRA: Low-Rank Adaptation of Large Language Models",
        "abstract": "An important paradigm of natural language processing consists of large-scale pre-training "
                    "on general domain data and adaptation to particular tasks or domains.",
        "number": "arXiv:2106.09685",
        "publisher": "arXiv",
        "source": "arXiv.org",
        "URL": "http://arxiv.org/abs/2106.09685",
        "DOI": "10.48550/arXiv.2106.09685",
        "note": "arXiv:2106.09685 [cs]",
        "author": [{"family": "Hu", "given": "Edward J."}, {"family": "Shen", "given": "Yelong"},
                   {"family": "Wallis", "given": "Phillip"}],
        "accessed": {"date-parts": [[2024, 1, 5]]},
        "issued": {"date-parts": [["2021", "10", "16"]]},
    },
    {
        "id": "http://zotero.org/users/1234567/items/EFGH6789",
        "type": "article-journal",
        "title": "Deep learning",
        "container-title": "Nature",
        "page": "436-444",
        "volume": "521",
        "issue": "7553",
        "DOI": "10.1038/nature14539",
        "author": [{"family": "LeCun", "given": "Yann"}, {"family": "Bengio", "given": "Yoshua"},
                   {"family": "Hinton", "given": "Geoffrey"}],
        "issued": {"date-parts": [[2015, 5]]},
    },
    {
        "id": "knuth1984texbook",
        "citation-key": "knuth1984texbook",
        "type": "book",
        "title": "The <i>TeX</i>book",
        "publisher": "Addison-Wesley",
        "author": [{"family": "Knuth", "given": "Donald E."}],
        "issued": {"date-parts": [[1984]]},
    },
    {
        "id": 42,
        "type": "paper-conference",
        "title": "A   workshop   paper",
        "container-title": "Proceedings of a Workshop",
        "author": [{"literal": "The ReadNext Team"},
                   {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
                   {"family": "King", "given": "Martin Luther", "suffix": "Jr."}],
        "issued": {"raw": "2019-07-03"},
    },
]


def test_reads_a_zotero_export():
    result = papers_from_csljson(json.dumps(ZOTERO_EXPORT))
    assert result.problems == []
    lora, nature, book, workshop = result.papers
    assert lora.id == "2106.09685" and lora.aliases == ["doi:10.48550/arxiv.2106.09685"]
    assert lora.authors == ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]
    assert (lora.year, lora.date) == (2021, "2021-10-16")
    assert lora.url == "http://arxiv.org/abs/2106.09685" and lora.venue == "" and lora.source == "import"
    assert lora.abstract.startswith("An important paradigm")
    assert nature.id == "doi:10.1038/nature14539" and nature.venue == "Nature"
    assert (nature.year, nature.date) == (2015, "")  # a month is not a day: no date claimed
    assert book.id == "bib:knuth1984texbook" and book.title == "The TeXbook" and book.year == 1984
    assert workshop.id == "csl:42" and workshop.title == "A workshop paper"
    assert workshop.authors == ["The ReadNext Team", "Ludwig van Beethoven", "Martin Luther King Jr."]
    assert (workshop.year, workshop.date) == (2019, "2019-07-03")


@pytest.mark.parametrize("fields, expected_id", [
    ({"number": "2106.09685", "archive": "arXiv"}, "2106.09685"),
    ({"number": "2106.09685"}, "csl:x"),  # a bare number is an issue number unless arXiv says it is its own
    ({"number": "arXiv:hep-th/9901001v2"}, "hep-th/9901001"),
    ({"URL": "https://arxiv.org/pdf/1706.03762v5"}, "1706.03762"),
    ({"note": "arXiv: 1706.03762"}, "1706.03762"),
    ({"DOI": "https://doi.org/10.1038/NATURE14539"}, "doi:10.1038/nature14539"),
    ({"URL": "https://doi.org/10.1038/nature14539"}, "doi:10.1038/nature14539"),
    ({"citation-key": "lecun2015deep"}, "bib:lecun2015deep"),
    ({}, "csl:x"),
])
def test_ids_follow_the_bibtex_rules(fields, expected_id):
    assert paper_from_item({"id": "x", "title": "T", **fields}).id == expected_id


@pytest.mark.parametrize("person, name", [
    ({"family": "Gödel", "given": "Kurt"}, "Kurt Gödel"),
    ({"family": "Maaten", "given": "Laurens", "non-dropping-particle": "van der"}, "Laurens van der Maaten"),
    ({"family": "Gogh", "given": "Vincent", "dropping-particle": "van"}, "Vincent van Gogh"),
    ({"literal": "ATLAS Collaboration"}, "ATLAS Collaboration"),
    ({"family": "Plato"}, "Plato"),
    ("not a name", ""),
])
def test_names(person, name):
    assert csl_name(person) == name


def test_bad_items_are_reported_and_the_rest_is_read():
    items = [{"id": "a", "title": "Fine"}, "not an object", {"id": "b"},
             {"id": "c", "title": "Bad date", "issued": {"date-parts": [["spring"]]}},
             {"id": "d", "title": "Year out of range", "issued": {"date-parts": [[12021]]}}]
    result = papers_from_csljson(items)
    assert [p.id for p in result.papers] == ["csl:a"]
    assert result.problems[0] == "item 2: an item must be a JSON object"
    assert result.problems[1] == "item 3 ('b'): no title"
    assert result.problems[2].startswith("item 4 ('c'): issued date-parts")
    assert result.problems[3].startswith("item 5 ('d'): paper year 12021 is out of range")


@pytest.mark.parametrize("data, count", [
    ({"id": "one", "title": "A single item"}, 1),
    ({"items": [{"id": "one", "title": "Wrapped"}, {"id": "two", "title": "Items"}]}, 2),
    ([], 0),
])
def test_accepts_the_shapes_exporters_write(data, count):
    assert len(papers_from_csljson(data).papers) == count


@pytest.mark.parametrize("text", ["{not json", "42", '"a string"'])
def test_refuses_what_is_not_csl_json(text):
    with pytest.raises(ValidationError):
        papers_from_csljson(text)


def test_reads_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ZOTERO_EXPORT, ensure_ascii=False).encode("utf-8"))
    result = read_csljson(path)
    assert [p.id for p in result.papers] == ["2106.09685", "doi:10.1038/nature14539", "bib:knuth1984texbook",
                                             "csl:42"]
