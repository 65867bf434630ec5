// arXiv listing pages: /list/<cat>/new, /recent, /pastweek, /<yymm>. Each entry is a <dt> (links) followed by a
// <dd> (metadata); only /new pages carry the abstract.
import { arxivId, makePaper, yearOfArxivId } from "../../shared/paper.js";
import { categoriesIn, href, text, textWithout, texts } from "./dom.js";

const LISTING_PATH = /^\/list\/[^/]+\/(new|recent|pastweek|current|\d{2}(\d{2})?(-\d\d)?)\/?$/;

function entryOf(dt, base) {
  const link = [...dt.querySelectorAll("a[href]")].find((a) => /^\/abs\/|arxiv\.org\/abs\//.test(a.getAttribute("href")));
  const id = arxivId(href(link, base)) || arxivId(text(dt.querySelector(".list-identifier, a[title='Abstract']")));
  const dd = dt.nextElementSibling?.tagName === "DD" ? dt.nextElementSibling : null;
  if (!id || !dd) return null;
  const paper = makePaper({
    id,
    title: textWithout(dd.querySelector(".list-title"), ".descriptor"),
    authors: texts(dd, ".list-authors a"),
    abstract: text(dd.querySelector("p.mathjax")),
    categories: categoriesIn(text(dd.querySelector(".list-subjects"))),
    venue: textWithout(dd.querySelector(".list-journal-ref"), ".descriptor"),
    year: yearOfArxivId(id),
    url: `https://arxiv.org/abs/${id}`,
    source: "arxiv",
  });
  return { paper, anchor: dd.querySelector(".list-title") ?? dd };
}

export const arxivListing = {
  kind: "arxiv-listing",
  site: "arxiv",
  matches: (url) => url.hostname === "arxiv.org" && LISTING_PATH.test(url.pathname),
  parse(doc, url) {
    const entries = [...doc.querySelectorAll("dl > dt")].map((dt) => entryOf(dt, url)).filter(Boolean);
    return { kind: this.kind, site: this.site, entries };
  },
};
