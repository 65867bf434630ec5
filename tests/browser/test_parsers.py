"""The parsers on real saved pages (and hand-made arXiv list pages), run in Chromium on the pages as served from
https://arxiv.org and https://scholar.google.com. The parser table is imported into the page and called directly."""
import pytest

from .harness import EXTENSION_ORIGIN

pytestmark = pytest.mark.browser

PARSE_JS = """const done = arguments[arguments.length - 1];
import(arguments[0] + '/extension/content/parsers/index.js').then((parsers) => {
  const page = parsers.parsePage(document, location.href);
  if (page?.entries) page.entries = page.entries.map((entry) => ({...entry.paper, anchor: entry.anchor.tagName}));
  done(page);
}, (error) => done('import failed: ' + error));"""


def parse(browser, url):
    browser.get(url)
    return browser.execute_async_script(PARSE_JS, EXTENSION_ORIGIN)


def test_arxiv_abstract_prefers_citation_meta_tags(module_browser):
    page = parse(module_browser, "https://arxiv.org/abs/2106.09608v2")
    paper = page["paper"]
    assert page["kind"] == "arxiv-abstract"
    assert paper["id"] == "2106.09608"
    assert paper["title"] == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert paper["authors"] == ["Prithviraj Ammanabrolu", "Mark O. Riedl"]  # "Last, First" turned round
    assert paper["date"] == "2021-06-17" and paper["year"] == 2021
    assert paper["categories"] == ["cs.LG", "cs.AI", "cs.CL"]
    assert paper["abstract"].startswith("World models improve a learning agent's ability")
    assert paper["abstract"].endswith("contributions.")
    assert paper["url"] == "https://arxiv.org/abs/2106.09608" and paper["source"] == "arxiv"


def test_arxiv_abstract_with_unknown_markup_yields_fewer_fields(module_browser):
    page = parse(module_browser, "https://arxiv.org/abs/2401.00001")
    assert page["paper"]["id"] == "2401.00001"
    assert page["paper"]["title"] == "" and page["paper"]["authors"] == [] and page["paper"]["year"] == 2024


def test_arxiv_new_listing_every_entry_with_abstract(module_browser):
    page = parse(module_browser, "https://arxiv.org/list/cs.LG/new")
    entries = page["entries"]
    assert page["kind"] == "arxiv-listing"
    assert [e["id"] for e in entries] == ["2411.07001", "2411.07002", "2411.07003", "2411.07004", "2411.07005",
                                          "2411.06950", "2411.06951", "2106.09608"]
    first = entries[0]
    assert first["title"] == "Knowledge Graph World Models for Agents in Text-Based Games"
    assert first["authors"] == ["Ada Okafor", "Mats Lindqvist"] and first["categories"] == ["cs.LG", "cs.CL"]
    assert first["abstract"].startswith("Agents that play text-based games")
    assert entries[3]["venue"] == "Mon. Not. R. Astron. Soc. 531 (2024) 210"
    assert entries[7]["abstract"] == ""  # replacements carry no abstract
    assert all(e["anchor"] == "DIV" for e in entries)


def test_arxiv_old_listing_markup_and_a_broken_entry(module_browser):
    entries = parse(module_browser, "https://arxiv.org/list/cs.CL/2301")["entries"]
    assert [e["id"] for e in entries] == ["2301.00101", "2301.00102", "2301.00103"]
    assert entries[1]["authors"] == ["Thomas Weber", "Joana Silva"]
    assert entries[2]["title"] == "" and entries[2]["categories"] == ["cs.CL"]


def test_arxiv_search_query_and_hits(module_browser):
    page = parse(module_browser, "https://arxiv.org/search/?query=text-based+games+knowledge+graph&searchtype=all")
    assert page["kind"] == "arxiv-search" and page["query"] == "text-based games knowledge graph"
    hits = page["entries"]
    assert [h["id"] for h in hits] == ["2106.09608", "2411.07001", "2411.07005"]
    assert hits[0]["title"] == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert hits[0]["categories"] == ["cs.LG", "cs.AI", "cs.CL"] and hits[1]["categories"] == ["cs.LG"]
    assert "△" not in hits[0]["abstract"] and hits[0]["abstract"].endswith("text-based game environments.")
    assert hits[2]["authors"] == [] and hits[2]["abstract"] == ""


def test_scholar_results_every_hit(module_browser):
    page = parse(module_browser, "https://scholar.google.com/scholar?q=olympus+range&hl=en")
    hits = page["entries"]
    assert page["kind"] == "scholar-results" and page["query"] == "olympus range"
    assert len(hits) == 10
    citation = hits[0]  # a [CITATION] hit: no link, the title in a span after the type tag
    assert citation["id"] == "scholar:15801554877513113826"
    assert citation["title"] == "Geology of the Olympus Range Area, Southern Victoria Land"
    assert citation["authors"] == ["MJ Isaac", "TJ Chinn", "SW Edbrooke", "PJ Forsyth"]
    assert citation["year"] == 1996 and citation["cited_by"] == 4
    assert citation["url"] == "https://scholar.google.com/scholar?cluster=15801554877513113826"
    pdf = hits[1]
    assert pdf["title"].startswith("Plutonic rocks from the Cape Roberts hinterland")  # no "[PDF]" tag
    assert pdf["venue"] == "Terra Antartica" and pdf["year"] == 2002 and pdf["cited_by"] == 6
    assert pdf["abstract"].startswith("Previous geological mapping")
    assert pdf["url"].startswith("http://sidst3.dst.unisi.it/")
    assert all(h["id"].startswith("scholar:") and h["title"] and h["source"] == "scholar" for h in hits)


def test_scholar_results_older_markup(module_browser):
    page = parse(module_browser, "https://scholar.google.com/scholar?q=%22Learning+deep+architectures+for+AI%22&hl=en")
    [hit] = page["entries"]
    assert page["query"] == '"Learning deep architectures for AI"'
    assert hit["id"] == "scholar:5331804836605365413"  # no data-cid: from the cites= link
    assert hit["title"] == "Learning deep architectures for AI" and hit["authors"] == ["Y Bengio"]
    assert hit["year"] == 2009 and hit["cited_by"] == 2441


def test_scholar_hit_that_links_to_arxiv_gets_the_arxiv_id(module_browser):
    [hit] = parse(module_browser, "https://scholar.google.com/scholar?q=world+models&hl=en")["entries"]
    assert hit["id"] == "2106.09608" and hit["aliases"] == ["scholar:8188755959889491825"]
    assert hit["url"] == "https://arxiv.org/abs/2106.09608"
    assert hit["authors"] == ["P Ammanabrolu", "M Riedl"] and hit["year"] == 2021 and hit["cited_by"] == 98
    assert hit["venue"] == "Advances in Neural Information Processing Systems"


def test_scholar_captcha_is_recognised(module_browser):
    assert parse(module_browser, "https://scholar.google.com/scholar?q=bull+pass&hl=en") == {
        "kind": "scholar-captcha", "site": "scholar"}


def test_scholar_profile_publications(module_browser):
    page = parse(module_browser, "https://scholar.google.com/citations?user=amIMrIEAAAAJ&hl=en")
    papers = page["entries"]
    assert page["kind"] == "scholar-profile" and page["author"] == "Bangar Raju Cherukuri"
    assert len(papers) == 20
    assert papers[0]["title"].startswith("Optimization of Data Structures and Trade-Offs")
    assert papers[0]["authors"] == ["BR Cherukuri", "V Arulkumar"]
    assert papers[0]["id"] == "scholar:1527366344147329058" and papers[0]["cited_by"] == 131
    assert papers[0]["year"] == 2024 and not papers[0]["venue"].endswith("2024")


def test_other_pages_do_nothing(module_browser):
    assert parse(module_browser, "https://arxiv.org/help") is None
