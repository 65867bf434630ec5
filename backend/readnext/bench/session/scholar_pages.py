"""Google Scholar pages for the sessions, built from the real saved pages filled with the sample's papers: the
2020 results page (its second hit, which has a title link and a [PDF] side link, is the model of every hit) and
the 2026 author profile (its first row is the model of every publication). Hits link to arxiv.org and profile
rows name the preprint in the venue ("arXiv preprint arXiv:<id>"), as Scholar prints arXiv papers, so the
content scripts give them their arXiv ids."""
from __future__ import annotations

import base64
import hashlib

from ...records.papers import Paper
from .markup import element_end, escape, replace_between, replace_every, replace_once, scholar_name

HIT_CID = "cXeT3ShOpHEJ"
HIT_CLUSTER = "8188755959889491825"
HIT_TITLE = ("Plutonic rocks from the Cape Roberts hinterland: Wilson piedmont glacier, <b>southern Victoria land</b>, "
             "<b>Antarctica</b>")
PROFILE_USER = "amIMrIEAAAAJ"
PROFILE_NAME = "Bangar Raju Cherukuri"


def cluster_of(paper_id: str) -> tuple[str, str]:
    """A Scholar cluster for a paper, made from its id: (data-cid as Scholar spells it, its decimal form)."""
    raw = hashlib.sha1(paper_id.encode()).digest()[:9]
    decimal = str(int.from_bytes(raw[:8], "little"))
    return base64.urlsafe_b64encode(raw).decode(), decimal


def _byline(paper: Paper) -> str:
    authors = ", ".join(escape(scholar_name(a)) for a in paper.authors[:4]) + (" &#8230;" if len(paper.authors) > 4 else "")
    return f"{authors} - arXiv preprint arXiv:{escape(paper.id)}, {paper.year or ''} - arxiv.org"


def _hit(template: str, rank: int, paper: Paper, cited_by: int) -> str:
    cid, cluster = cluster_of(paper.id)
    hit = template.replace(HIT_CID, cid).replace(HIT_CLUSTER, cluster)
    hit = replace_once(hit, 'data-rp="1"', f'data-rp="{rank}"')
    pdf = "http://sidst3.dst.unisi.it/english/Publications/TAP/TA_pdfs/Volume_09/TA_09_057_Forsyth.pdf"
    hit = replace_once(hit, f'<a href="{pdf}" data-clk=', f'<a href="https://arxiv.org/pdf/{paper.id}" data-clk=')
    hit = replace_once(hit, f'<a id="{cid}" href="{pdf}"', f'<a id="{cid}" href="https://arxiv.org/abs/{paper.id}"')
    hit = replace_once(hit, "</span> unisi.it</a>", "</span> arxiv.org</a>")
    hit = replace_once(hit, HIT_TITLE, escape(paper.title))
    hit = replace_between(hit, '<div class="gs_a">', "</div>", _byline(paper))
    snippet = escape(paper.abstract[:220]) + (" &#8230;" if len(paper.abstract) > 220 else "")
    hit = replace_between(hit, '<div class="gs_rs">', "</div>", snippet)
    return replace_once(hit, ">Cited by 6</a>", f">Cited by {cited_by}</a>")


def results_page(template: str, query: str, hits: list[Paper]) -> str:
    """/scholar?q=<query>: these hits, in this order."""
    container = template.index('<div id="gs_res_ccl_mid">')
    end = element_end(template, container)
    model = template.index(f'<div class="gs_r gs_or gs_scl" data-cid="{HIT_CID}"')
    hit = template[model:element_end(template, model)]
    body = "".join(f"  {_hit(hit, rank, paper, 3 + (7 * rank) % 40)}" for rank, paper in enumerate(hits))
    page = template[:container] + f'<div id="gs_res_ccl_mid">{body}</div>' + template[end:]
    old = "Geology of the Olympus Range area,                  southern Victoria Land, Antarctica. Isaac M.J., " \
          "Chinn T.J., Edbrooke S.W.,                  Forsyth P.J. 1996                 "
    return page.replace(f'value="{old}"', f'value="{escape(query)}"')


def _row(template: str, user: str, number: int, paper: Paper) -> str:
    _, cluster = cluster_of(paper.id)
    row = replace_once(template, "citation_for_view=amIMrIEAAAAJ:u5HHmVD_uO8C", f"citation_for_view={user}:pub{number:04d}")
    row = replace_between(row, 'class="gsc_a_at">', "</a>", escape(paper.title))
    authors = ", ".join(escape(scholar_name(a)) for a in paper.authors[:6])
    lines = row.index('<div class="gs_gray">')  # the authors' line, then the venue's
    row = (row[:lines] + f'<div class="gs_gray">{authors}</div><div class="gs_gray">arXiv preprint '
           f'arXiv:{escape(paper.id)}<span class="gs_oph">, {paper.year or ""}</span></div>' + row[row.index("</td>", lines):])
    row = replace_once(row, "cites=1527366344147329058", f"cites={cluster}")
    row = replace_between(row, 'class="gsc_a_ac gs_ibl">', "</a>", str(5 + number))
    row = replace_between(row, '<span class="gsc_a_h gsc_a_hc gs_ibl">', "</span>", str(paper.year or ""))
    return row.replace(PROFILE_USER, user)


def profile_page(template: str, user: str, name: str, affiliation: str, interests: list[str],
                 papers: list[Paper]) -> str:
    """/citations?user=<user>: the profile of `name`, with these publications."""
    body_start = template.index('<tbody id="gsc_a_b">')
    body_end = template.index("</tbody>", body_start)
    first = template.index('<tr class="gsc_a_tr">', body_start)
    row = template[first:template.index("</tr>", first) + len("</tr>")]
    rows = "".join(_row(row, user, number, paper) for number, paper in enumerate(papers))
    page = template[:body_start] + f'<tbody id="gsc_a_b">{rows}' + template[body_end:]
    page = replace_every(page, "Senior .NET Web Developer", escape(affiliation))
    links = "".join(f'<a href="/citations?view_op=search_authors&amp;hl=en&amp;mauthors=label:'
                    f'{escape(i.lower().replace(" ", "_"))}" class="gsc_prf_inta gs_ibl">{escape(i)}</a>' for i in interests)
    start = '<div class="gsc_prf_il" id="gsc_prf_int">'
    page = page[:page.index(start) + len(start)] + links + page[page.index("</div>", page.index(start)):]
    return page.replace(PROFILE_NAME, escape(name)).replace(PROFILE_USER, user)
