"""arXiv pages for the sessions, built from saved markup filled with the sample's papers: the abstract page from
the real saved /abs/2106.09608, the listing and the search page from the hand-made fixtures of arXiv's own
templates (tests/fixtures; no real saved listing or search page could be obtained). Each template's parts are
replaced where the saved page has them, so the content scripts parse the result exactly as they parse arXiv."""
from __future__ import annotations

from datetime import date

from ...records.papers import Paper
from .markup import ARCHIVES, element_end, escape, replace_between, replace_once, subjects

TEMPLATE_ID = "2106.09608"
TEMPLATE_TITLE = "Learning Knowledge Graph-based World Models of Textual Environments"


def _pretty(day: str, style: str = "%d %b %Y") -> str:
    try:
        return date.fromisoformat(day[:10]).strftime(style)
    except ValueError:
        return ""


def _last_first(name: str) -> str:
    """"Robert D. Ryne" -> "Ryne, Robert D." (citation_author's spelling)."""
    words = name.split()
    return f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name


def _author_links(authors: list[str], base: str) -> str:
    return ", ".join(f'<a href="{base}{escape(_last_first(a).replace(" ", "+"))}">{escape(a)}</a>' for a in authors)


def abstract_page(template: str, paper: Paper, comments: str = "") -> str:
    """The saved abstract page with `paper` in place of 2106.09608."""
    page = template
    title = escape(paper.title)
    for name in ("citation_title", "twitter:title"):
        page = replace_once(page, f'<meta name="{name}" content="{TEMPLATE_TITLE}"/>',
                            f'<meta name="{name}" content="{title}"/>')
    page = replace_once(page, f'<meta property="og:title" content="{TEMPLATE_TITLE}"/>',
                        f'<meta property="og:title" content="{title}"/>')
    authors = "\n  ".join(f'<meta name="citation_author" content="{escape(_last_first(a))}"/>' for a in paper.authors)
    page = replace_once(page, '<meta name="citation_author" content="Ammanabrolu, Prithviraj"/>\n  '
                              '<meta name="citation_author" content="Riedl, Mark O."/>', authors)
    day = paper.date.replace("-", "/")
    page = replace_once(page, 'content="2021/06/17"', f'content="{day}"')
    page = replace_once(page, 'content="2021/10/20"', f'content="{day}"')
    abstract = escape(paper.abstract)
    page = replace_between(page, '<meta name="citation_abstract" content="', '"/>', f" {abstract}\n")
    for start in ('<meta name="twitter:description" content="', '<meta property="og:description" content="'):
        page = replace_between(page, start, '"/>', abstract[:300])
    page = replace_between(page, '<h1 class="title mathjax"><span class="descriptor">Title:</span>', "</h1>", title)
    page = replace_between(page, '<div class="authors"><span class="descriptor">Authors:</span>', "</div>",
                           _author_links(paper.authors, "https://arxiv.org/search/?searchtype=author&amp;query="))
    page = replace_between(page, '<blockquote class="abstract mathjax">\n      <span class="descriptor">Abstract:</span>',
                           "</blockquote>", f"{abstract}\n    ")
    page = replace_between(page, '<td class="tablecell comments mathjax">', "</td>", escape(comments))
    page = replace_between(page, '<td class="tablecell subjects">\n            ', "</td>", subjects(paper.categories))
    page = replace_between(page, "[Submitted on ", "]</div>", _pretty(paper.date))
    page = replace_between(page, '<h2>Submission history</h2> From: ', "</div>",
                           f"{escape(paper.authors[0] if paper.authors else '')}<br/>\n  <strong>[v1]</strong> "
                           f"{_pretty(paper.date, '%a, %d %b %Y')}<br/>")
    primary = paper.categories[0] if paper.categories else ""
    archive = primary.split(".")[0]
    page = replace_once(page, "<h1>Computer Science > Machine Learning</h1>",
                        f"<h1>{escape(ARCHIVES.get(archive, archive))} &gt; {escape(primary)}</h1>")
    dblp = page.index('<div class="dblp">')  # DBLP lists computer science alone
    page = page[:dblp] + page[element_end(page, dblp):]
    page = page.replace(TEMPLATE_TITLE, title).replace("cs.LG", primary).replace("/list/cs/", f"/list/{archive}/")
    return page.replace(TEMPLATE_ID, paper.id)


# --- the listing /list/<archive>/new -------------------------------------------------------------------------

LISTING_ENTRY_ID = "2411.07001"


def _listing_entry(template: str, number: int, paper: Paper, comments: str, cross_from: str | None) -> str:
    entry = template.replace(LISTING_ENTRY_ID, paper.id)
    entry = replace_once(entry, "<a name='item1'>[1]</a>", f"<a name='item{number}'>[{number}]</a>")
    if cross_from:
        entry = replace_once(entry, f">arXiv:{paper.id}</a>\n", f">arXiv:{paper.id}</a>\n  (cross-list from {cross_from})\n")
    entry = replace_between(entry, "<span class='descriptor'>Title:</span>\n", "\n    </div>", f"      {escape(paper.title)}")
    entry = replace_between(entry, "<div class='list-authors'>", "</div>",
                            _author_links(paper.authors, "https://arxiv.org/a/"))
    entry = replace_between(entry, "<span class='descriptor'>Comments:</span> ", "</div>", escape(comments))
    if not comments:
        entry = replace_once(entry, "    <div class='list-comments mathjax'><span class='descriptor'>Comments:</span> </div>\n", "")
    entry = replace_between(entry, "<span class='descriptor'>Subjects:</span>\n      ", "\n    </div>",
                            subjects(paper.categories))
    return replace_between(entry, "<p class='mathjax'>", "</p>", escape(paper.abstract))


def listing_page(template: str, archive: str, day: date, new: list[tuple[Paper, str]],
                 cross: list[tuple[Paper, str]]) -> str:
    """/list/<archive>/new: its new submissions, then its cross-lists (papers with their comments)."""
    first = template.index("<dl id='articles'>")
    last = template.rindex("</dl>") + len("</dl>")
    entry_start = template.index("<dt>", first)
    entry = template[entry_start:template.index("</dd>", entry_start) + len("</dd>")]
    sections, number = [], 1
    for heading, papers in (("New submissions", new), ("Cross submissions", cross)):
        items = []
        for paper, comments in papers:
            primary = paper.categories[0] if heading != "New submissions" and paper.categories else None
            items.append(_listing_entry(entry, number, paper, comments, primary))
            number += 1
        count = len(papers)
        sections.append(f"<dl id='articles'>\n<h3>{heading} (showing {count} of {count} entries)</h3>\n"
                        + "\n".join(items) + "\n</dl>")
    name = escape(ARCHIVES.get(archive, archive))
    head = replace_once(template[:first], "<h1>Machine Learning</h1>", f"<h1>{name}</h1>")
    head = replace_once(head, "<title>Machine Learning  new submissions</title>", f"<title>{name}  new submissions</title>")
    head = replace_once(head, "New submissions for Tue, 12 Nov 24", f"New submissions for {day.strftime('%a, %d %b %y')}")
    head = replace_once(head, "Total of 8 entries", f"Total of {number - 1} entries")
    return head + "\n".join(sections) + template[last:]


# --- the search page /search/?query=...&searchtype=all -------------------------------------------------------

def _search_hit(template: str, paper: Paper) -> str:
    hit = template.replace(TEMPLATE_ID, paper.id)
    tags = "\n      ".join(
        f'<span class="tag is-small {"is-link" if i == 0 else "is-grey"} tooltip is-tooltip-top" '
        f'data-tooltip="{escape(ARCHIVES.get(c.split(".")[0], c))}">{escape(c)}</span>'
        for i, c in enumerate(paper.categories))
    hit = replace_between(hit, '<div class="tags is-inline-block">\n      ', "\n    </div>", tags)
    hit = replace_between(hit, '<p class="title is-5 mathjax">', "</p>", escape(paper.title))
    hit = replace_between(hit, '<span class="has-text-black-bis has-text-weight-semibold">Authors:</span>\n    ',
                          "\n  </p>", ",\n    ".join(
                              f'<a href="/search/?searchtype=author&amp;query={escape(_last_first(a).replace(" ", "+"))}">'
                              f"{escape(a)}</a>" for a in paper.authors))
    short = escape(paper.abstract[:250]) + ("&hellip;" if len(paper.abstract) > 250 else "")
    hit = replace_between(hit, 'style="display: inline;">', "\n      <a", short)
    hit = replace_between(hit, 'style="display: none;">', "\n      <a", escape(paper.abstract))
    submitted = _pretty(paper.date, "%d %B, %Y").lstrip("0")
    return replace_between(hit, '<span class="has-text-black-bis has-text-weight-semibold">Submitted</span> ',
                           "</p>", f"{submitted}; <span class=\"has-text-black-bis has-text-weight-semibold\">"
                                   f"originally announced</span> {_pretty(paper.date, '%B %Y')}.")


def search_page(template: str, query: str, hits: list[Paper]) -> str:
    """arXiv's search results for `query` (all fields): these hits, in this order."""
    first = template.index('<li class="arxiv-result">')
    hit = template[first:element_end(template, first)]
    listed = template.index('<ol class="breathe-horizontal" start="1">')
    end = element_end(template, listed)
    page = (template[:listed] + '<ol class="breathe-horizontal" start="1">\n'
            + "\n".join(_search_hit(hit, paper) for paper in hits) + "\n</ol>" + template[end:])
    shown = escape(query)
    page = replace_once(page, 'value="text-based games knowledge graph"', f'value="{shown}"')
    return replace_between(page, '<h1 class="title is-clearfix">', "</h1>",
                           f'Showing 1&ndash;{len(hits)} of {len(hits)} results for all: '
                           f'<span class="mathjax">{shown}</span>')
