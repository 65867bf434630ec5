import re
from pathlib import Path

import pytest

from conftest import REPO
from readnext.records.papers import Paper, paper_from_dict
from readnext.ingest.sources.arxiv_feed import parse_atom
from readnext.ingest.sources.bibtex import bibtex_authors, papers_from_bibtex, read_bibtex
from readnext.ingest.sources.bibtex_parser import parse_bibtex
from readnext.ingest.sources.bibtex_writer import citation_key, papers_to_bibtex, write_bibtex
from readnext.records.latex import latex_to_text, text_to_latex

FIXTURES = REPO / "tests" / "fixtures" / "arxiv"

# Entries as Google Scholar, arXiv, DBLP and hand-kept files write them.
LIBRARY = r"""
This text is outside any entry, so BibTeX ignores it.
% mail corrections to someone@example.org
@String{ neurips = "Advances in Neural " # "Information Processing Systems" }
@comment{ jabref-meta: databaseType:bibtex; {nested} }
@preamble{ "\newcommand{\noopsort}[1]{}" }

@inproceedings{vaswani2017attention,
  title={Attention is all you need},
  author={Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and Uszkoreit, Jakob and Jones, Llion and Gomez, Aidan N and Kaiser, {\L}ukasz and Polosukhin, Illia},
  booktitle=neurips # { 30},
  pages={5998--6008},
  year={2017}
}

@article{devlin2018bert,
  title={{BERT}: Pre-training of Deep Bidirectional Transformers for Language Understanding},
  author={Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton and Toutanova, Kristina},
  journal={arXiv preprint arXiv:1810.04805},
  year={2018}
}

@misc{hu2021lora,
      title={LoRA: Low-Rank Adaptation of Large Language Models},
      author={Edward J. Hu and Yelong Shen and Phillip Wallis and Zeyuan Allen-Zhu and Yuanzhi Li and Shean Wang and Lu Wang and Weizhu Chen},
      year={2021},
      eprint={2106.09685},
      archivePrefix={arXiv},
      primaryClass={cs.CL}
}

@ARTICLE{DBLP:journals/corr/KingmaB14,
  AUTHOR    = {Diederik P. Kingma and
               Jimmy Ba},
  TITLE     = {Adam: {A} Method for Stochastic Optimization},
  JOURNAL   = {CoRR},
  VOLUME    = {abs/1412.6980},
  YEAR      = {2014},
  URL       = {http://arxiv.org/abs/1412.6980},
  EPRINTTYPE = {arXiv},
  EPRINT    = {1412.6980},
}

@article{goedel1931,
  author = "G{\"o}del, Kurt",
  title = "{\"U}ber formal unentscheidbare S{\"a}tze der {Principia Mathematica} und verwandter Systeme {I}",
  journal = {Monatshefte f\"ur Mathematik und Physik},
  volume = 38, number = 1, pages = "173--198", year = 1931, month = jan,
  doi = {10.1007/BF01700692},
}

@book(knuth1984texbook,
  author = {Knuth, Donald E.},
  title = {The {\TeX}book},
  publisher = {Addison-Wesley},
  year = {1984}
)

@article{atlas2012,
  author = {{ATLAS Collaboration}},
  title = {Observation of a new particle in the search for the {S}tandard {M}odel {H}iggs boson with the {ATLAS} detector at the {LHC}},
  journal = {Phys. Lett. B},
  volume = {716},
  year = {2012},
  doi = {10.1016/j.physletb.2012.08.020},
  eprint = {1207.7214},
  archivePrefix = {arXiv},
  primaryClass = {hep-ex}
}
"""


def parsed(text=LIBRARY):
    result = papers_from_bibtex(text)
    return {p.id: p for p in result.papers}, result.problems


def test_parses_the_entries_of_a_real_looking_library():
    papers, problems = parsed()
    assert problems == []
    assert sorted(papers) == ["1207.7214", "1412.6980", "1810.04805", "2106.09685", "bib:knuth1984texbook",
                              "bib:vaswani2017attention", "doi:10.1007/bf01700692"]
    attention = papers["bib:vaswani2017attention"]
    assert attention.title == "Attention is all you need"
    assert attention.authors[6] == "Łukasz Kaiser" and attention.authors[5] == "Aidan N Gomez"
    assert attention.venue == "Advances in Neural Information Processing Systems 30"  # macro # string
    assert attention.year == 2017 and attention.source == "import"
    bert = papers["1810.04805"]
    assert bert.title.startswith("BERT: Pre-training") and bert.venue == ""  # "arXiv preprint" is no venue
    assert papers["2106.09685"].categories == ["cs.CL"]
    adam = papers["1412.6980"]
    assert adam.title == "Adam: A Method for Stochastic Optimization" and adam.venue == ""  # DBLP's CoRR
    assert adam.authors == ["Diederik P. Kingma", "Jimmy Ba"] and adam.url == "http://arxiv.org/abs/1412.6980"
    goedel = papers["doi:10.1007/bf01700692"]
    assert goedel.title == ("Über formal unentscheidbare Sätze der Principia Mathematica und verwandter Systeme I")
    assert goedel.authors == ["Kurt Gödel"] and goedel.venue == "Monatshefte für Mathematik und Physik"
    assert papers["bib:knuth1984texbook"].title == "The \\TeX{}book"
    atlas = papers["1207.7214"]
    assert atlas.authors == ["ATLAS Collaboration"] and atlas.aliases == ["doi:10.1016/j.physletb.2012.08.020"]
    assert atlas.title.startswith("Observation of a new particle in the search for the Standard Model Higgs")


def test_low_level_entries_keep_fields_raw_and_expand_macros():
    entries, problems = parse_bibtex(LIBRARY)
    assert problems == []
    by_key = {e.key: e for e in entries}
    assert len(entries) == 7 and by_key["goedel1931"].type == "article"
    assert by_key["goedel1931"].fields["month"] == "January"
    assert by_key["goedel1931"].fields["volume"] == "38"
    assert by_key["knuth1984texbook"].type == "book"
    assert by_key["DBLP:journals/corr/KingmaB14"].fields["title"] == "Adam: {A} Method for Stochastic Optimization"
    assert by_key["vaswani2017attention"].line == 8


@pytest.mark.parametrize("tex, text", [
    (r'Schr{\"o}dinger', "Schrödinger"), (r'Schr\"{o}dinger', "Schrödinger"), (r'Schr\"odinger', "Schrödinger"),
    (r"Erd\H{o}s", "Erdős"), (r"Poincar\'e", "Poincaré"), (r"\'{\i}ndice", "índice"), (r"Stra\ss e", "Straße"),
    (r"\c{C}a\u{g}lar", "Çağlar"), (r"\v{S}ediv\'y", "Šedivý"), (r"{\AA}ngstr{\"o}m", "Ångström"),
    (r"D.~E. Knuth", "D. E. Knuth"), (r"\emph{Deep} {\em learning}", "Deep learning"),
    (r"R\&D at 50\% \#1 snake\_case", "R&D at 50% #1 snake_case"), (r"\^{} and a\~{}b", "^ and a~b"),
    (r"Order $\hbar$ {C}orrections to $O(n^{2})$", "Order $\\hbar$ Corrections to $O(n^{2})$"),
    (r"{\o}ystein {\ss} \l{}ukasz", "øystein ß łukasz"), (r"\textbraceleft{}x\textbraceright{}", "{x}"),
])
def test_latex_accents_and_escapes_become_unicode(tex, text):
    assert latex_to_text(tex) == text


@pytest.mark.parametrize("field, names", [
    ("Vaswani, Ashish and Shazeer, Noam", ["Ashish Vaswani", "Noam Shazeer"]),
    ("Ashish Vaswani and Noam Shazeer AND Niki Parmar", ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]),
    ("van der Maaten, Laurens and Hinton, Geoffrey", ["Laurens van der Maaten", "Geoffrey Hinton"]),
    ("King, Jr, Martin Luther", ["Martin Luther King Jr"]),
    ("{Barnes and Noble, Inc.} and Doe, J.", ["Barnes and Noble, Inc.", "J. Doe"]),
    ("Kingma, Diederik P. and others", ["Diederik P. Kingma"]),
    ("Alexander Andersen and\n   Sandra Land", ["Alexander Andersen", "Sandra Land"]),
    ("", []),
])
def test_author_fields_become_first_last_names(field, names):
    assert bibtex_authors(field) == names


@pytest.mark.parametrize("fields, expected_id, aliases", [
    ("eprint = {2106.09685}, archivePrefix = {arXiv}", "2106.09685", []),
    ("eprint = {2106.09685v2}, eprinttype = {arxiv}", "2106.09685", []),
    ("eprint = {hep-th/9901001}", "hep-th/9901001", []),
    ("eprint = {hal-01234567}, archivePrefix = {HAL}", "bib:k", []),
    ("url = {https://arxiv.org/abs/2106.09685v1}", "2106.09685", []),
    ("url = {https://arxiv.org/pdf/2106.09685.pdf}", "2106.09685", []),
    ("journal = {arXiv preprint arXiv:2106.09608}", "2106.09608", []),
    ("note = {arXiv: 1706.03762}", "1706.03762", []),
    ("doi = {10.48550/arXiv.2106.09685}", "2106.09685", ["doi:10.48550/arxiv.2106.09685"]),
    ("doi = {10.1103/PhysRevD.76.013009}", "doi:10.1103/physrevd.76.013009", []),
    ("url = {https://doi.org/10.1038/nature14539}", "doi:10.1038/nature14539", []),
    ("doi = {10.1038/nature14539}, eprint = {1207.7214}", "1207.7214", ["doi:10.1038/nature14539"]),
    ("url = {https://example.org/paper.pdf}", "bib:k", []),
    ("", "bib:k", []),
])
def test_ids_are_linked_by_arxiv_then_doi_then_citation_key(fields, expected_id, aliases):
    [paper] = papers_from_bibtex("@misc{k, title = {T}, " + fields + "}").papers
    assert (paper.id, paper.aliases) == (expected_id, aliases)


def test_broken_entries_are_reported_with_their_line_and_the_rest_is_read():
    text = """@article{good1, title = {First}, year = 2020}
@article{broken, title = {Never closed, year = 2020}

@article{good2, title = "Second {with "quotes" inside}", author = "A. B"}
@article{nokey title = {x}}
@misc{notitle, author = {Someone}}
@article{macro, title = {Uses } # undefinedmacro}
@misc{trailing, title = {Trailing comma},}
@misc{empty}
"""
    result = papers_from_bibtex(text)
    titles = [p.title for p in result.papers]
    assert titles == ["First", 'Second with "quotes" inside', "Uses", "Trailing comma"]
    assert any(p.startswith("line 2:") and "skipped" in p for p in result.problems)
    assert any(p.startswith("line 5:") and "key 'nokey'" in p for p in result.problems)
    assert "line 6, entry 'notitle': no title" in result.problems
    assert "line 7: unknown @string macro 'undefinedmacro', left empty" in result.problems
    assert "line 9, entry 'empty': no title" in result.problems


def test_an_unbalanced_brace_stops_only_its_own_entry():
    result = papers_from_bibtex("@article{a, title = {x}} }\n@article{b, title = {Y}}")
    assert [p.title for p in result.papers] == ["x", "Y"]


def papers_for_export() -> list[Paper]:
    api = parse_atom((FIXTURES / "api_cs_LG_cs_CL_page1.xml").read_bytes()).papers
    physics = parse_atom((FIXTURES / "api_hep_ex_doi.xml").read_bytes()).papers
    made = [
        paper_from_dict({"id": "doi:10.1007/BF01700692", "year": 1931, "authors": ["Kurt Gödel"],
                         "title": "Über formal unentscheidbare Sätze der Principia Mathematica",
                         "venue": "Monatshefte für Mathematik und Physik"}),
        paper_from_dict({"id": "bib:knuth1984texbook", "title": "The \\TeX{}book", "authors": ["Donald E. Knuth"],
                         "year": 1984}),
        paper_from_dict({"id": "scholar:123", "title": "R&D costs 50% of #1 $5 budgets: snake_case ~ ^ a { b",
                         "authors": ["Barnes and Noble, Inc.", "Jean-Pierre Serre"], "year": 2001}),
        paper_from_dict({"id": "hep-th/9901001", "title": "Order $\\hbar$ Corrections with $O(n^{2})$ terms",
                         "abstract": "Some 100% of {the} TeX.", "categories": ["hep-th"], "date": "1999-01-01"}),
    ]
    return api + physics + made


def test_export_writes_misc_with_eprint_for_preprints_and_article_for_published_papers():
    text = papers_to_bibtex(papers_for_export())
    lora = text[text.index("@misc{hu2021lora,"):].split("\n}\n")[0]
    assert "  eprint = {2106.09685}" in lora and "  archivePrefix = {arXiv}" in lora
    assert "  primaryClass = {cs.CL}" in lora and "  title = {{LoRA:} {Low-Rank} Adaptation" in lora
    assert "  author = {Edward J. Hu and Yelong Shen and " in lora
    atlas = text[text.index("@article{atlas2012observation,"):].split("\n}\n")[0]
    assert "  author = {{ATLAS Collaboration}}" in atlas  # one author, not a Mr Collaboration
    assert "  journal = {Phys. Lett. B 716 (2012) 1-29}" in atlas
    assert "  doi = {10.1016/j.physletb.2012.08.020}" in atlas and "  eprint = {1207.7214}" in atlas
    assert "@article{godel1931uber," in text and "@misc{knuth1984texbook," in text
    assert r"title = {{R\&D} costs 50\% of \#1 \$5 budgets: snake\_case \~{} \^{} a \textbraceleft{} b}" in text
    assert "author = {{Barnes and Noble, Inc.} and Jean-Pierre Serre}" in text
    assert r"title = {Order $\hbar$ Corrections with $O(n^{2})$ terms}" in text  # math stays math


def test_export_is_valid_bibtex_with_unique_keys():
    papers = papers_for_export()
    text = papers_to_bibtex(papers + papers[:2])  # the same papers twice must still get distinct keys
    entries, problems = parse_bibtex(text)
    assert problems == []
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys)) == len(papers) + 2
    assert keys[:3] == ["hu2021lora", "devlin2018bert", "vaswani2017attention"]
    assert keys[-2:] == ["hu2021lorab", "devlin2018bertb"]
    for entry in entries:
        for value in entry.fields.values():
            depth = 0
            for char in value:  # BibTeX counts every brace, escaped or not
                depth += (char == "{") - (char == "}")
                assert depth >= 0
            assert depth == 0
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in keys if k != "knuth1984texbook")


def test_export_then_parse_gives_the_same_titles_authors_and_ids(tmp_path):
    papers = papers_for_export()
    path = tmp_path / "library.bib"
    write_bibtex(path, papers)
    result = read_bibtex(path)
    assert result.problems == []
    back = result.papers
    assert len(back) == len(papers)
    for before, after in zip(papers, back):
        assert after.title == before.title
        assert after.authors == before.authors
        assert after.year == before.year
        assert after.venue == before.venue
        if before.id.startswith("scholar:"):
            assert after.id.startswith("bib:")  # BibTeX has no field for a Scholar cluster; the key stands in
        else:
            assert (after.id, after.aliases) == (before.id, before.aliases)
    assert back[-1].abstract == "Some 100% of the TeX." and back[-1].date == "1999-01-01"


def test_citation_keys_prefer_the_papers_own_key_and_stay_unique():
    used = set()
    own = paper_from_dict({"id": "bib:my-key:2020", "title": "Anything"})
    assert citation_key(own, used) == "my-key:2020"
    same_own = paper_from_dict({"id": "bib:my-key:2020", "title": "Anything"})
    assert citation_key(same_own, used) == "anonanything"
    nameless = paper_from_dict({"id": "doi:10.1/x", "title": "The $x$ of the 3 Body Problem"})
    assert citation_key(nameless, used) == "anon3"
    reserved = {"smith2020deep"}
    smith = paper_from_dict({"id": "doi:10.1/y", "title": "Deep nets", "authors": ["Jo Smith Jr."], "year": 2020})
    assert citation_key(smith, used, reserved) == "smith2020deepb"


def test_text_to_latex_round_trips_through_latex_to_text():
    for text in ["R&D 50% #1 snake_case ~ ^", "costs $5", "a { b } }", "C:\\path\\1 x\\", "Ünïcødé — fine",
                 "Order $\\hbar$ and $$x^2$$", "BERT: ImageNet GPT-3"]:
        assert latex_to_text(text_to_latex(text, protect_case=True)) == text


def test_reads_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_bytes("\ufeff@misc{k, title = {Ünïcode}}".encode("utf-8"))
    assert [p.title for p in read_bibtex(path).papers] == ["Ünïcode"]


@pytest.mark.parametrize("value, names", [
    ("A. Smith, B. Jones, C. Lee", ["A. Smith", "B. Jones", "C. Lee"]),
    ("Alice Smith, Bob Jones", ["Alice Smith", "Bob Jones"]),
    ("Smith, John", ["John Smith"]),
    ("van der Berg, Hans Peter", ["Hans Peter van der Berg"]),
    ("Ford, Jr., Henry", ["Henry Ford Jr."]),
    ("Vaswani, Ashish and Shazeer, Noam", ["Ashish Vaswani", "Noam Shazeer"]),
])
def test_an_author_field_without_and_is_split_at_its_commas(value, names):
    assert bibtex_authors(value) == names
    exported = papers_to_bibtex([paper_from_dict({"id": "2101.00001", "title": "T", "authors": names})])
    assert exported.count(" and ") == len(names) - 1
