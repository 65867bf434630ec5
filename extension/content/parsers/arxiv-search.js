// arXiv search results /search/?query=...: one li.arxiv-result per hit.
import { arxivId, makePaper, yearIn, yearOfArxivId } from "../../shared/paper.js";
import { href, text, textWithout, texts } from "./dom.js";

const CATEGORY = /^[a-z][a-z-]*(\.[A-Za-z-]+)?$/;

/** Category tags carry a tooltip with the category's name; the DOI tag beside them does not. */
function categoriesOf(item) {
  const tagged = texts(item, ".tags .tag[data-tooltip]");
  const tags = tagged.length ? tagged : texts(item, ".tags .tag").filter((tag) => tag !== "doi");
  return tags.filter((tag) => CATEGORY.test(tag));
}

function entryOf(item, base) {
  const id = arxivId(href(item.querySelector(".list-title a[href*='/abs/']"), base));
  if (!id) return null;
  const titleNode = item.querySelector("p.title");
  const paper = makePaper({
    id,
    title: text(titleNode),
    authors: texts(item, "p.authors a"),
    abstract: textWithout(item.querySelector(".abstract-full") ?? item.querySelector("p.abstract"), "a, .search-hit-label"),
    categories: categoriesOf(item),
    year: yearOfArxivId(id) ?? yearIn(text(item.querySelector("p.is-size-7"))),
    url: `https://arxiv.org/abs/${id}`,
    source: "arxiv",
  });
  return { paper, anchor: titleNode ?? item };
}

export const arxivSearch = {
  kind: "arxiv-search",
  site: "arxiv",
  matches: (url) => url.hostname === "arxiv.org" && /^\/search(\/|$)/.test(url.pathname),
  parse(doc, url) {
    const query = (url.searchParams.get("query") ?? doc.querySelector("input[name='query']")?.value ?? "").trim();
    const entries = [...doc.querySelectorAll("li.arxiv-result")].map((item) => entryOf(item, url)).filter(Boolean);
    return { kind: this.kind, site: this.site, query, entries };
  },
};
