// arXiv abstract page /abs/<id>[vN]. The citation_* meta tags are arXiv's own machine-readable record; the
// visible markup is the fallback.
import { arxivId, doiId, makePaper, yearOfArxivId } from "../../shared/paper.js";
import { categoriesIn, meta, metas, text, textWithout, texts } from "./dom.js";

/** "Riedl, Mark O." → "Mark O. Riedl" */
const firstLast = (name) => {
  const comma = name.indexOf(",");
  return comma < 0 ? name : `${name.slice(comma + 1).trim()} ${name.slice(0, comma).trim()}`.trim();
};

const isoDate = (value) => (/^\d{4}\/\d\d\/\d\d$/.test(value) ? value.replaceAll("/", "-") : "");

export const arxivAbstract = {
  kind: "arxiv-abstract",
  site: "arxiv",
  matches: (url) => url.hostname === "arxiv.org" && /^\/abs\/./.test(url.pathname),
  parse(doc, url) {
    const id = arxivId(meta(doc, "citation_arxiv_id")) || arxivId(url.pathname);
    if (!id) return null;
    const abs = doc.querySelector("#abs");
    const metaAuthors = metas(doc, "citation_author").map(firstLast);
    const date = isoDate(meta(doc, "citation_date"));
    const doi = doiId(meta(doc, "citation_doi"));
    const paper = makePaper({
      id,
      title: meta(doc, "citation_title") || textWithout(abs?.querySelector("h1.title"), ".descriptor"),
      abstract: meta(doc, "citation_abstract") || textWithout(abs?.querySelector("blockquote.abstract"), ".descriptor"),
      authors: metaAuthors.length ? metaAuthors : texts(abs, ".authors a"),
      date,
      year: Number(date.slice(0, 4)) || yearOfArxivId(id),
      categories: categoriesIn(text(doc.querySelector("td.subjects"))),
      url: `https://arxiv.org/abs/${id}`,
      source: "arxiv",
      aliases: doi ? [doi] : [],
    });
    return { kind: this.kind, site: this.site, paper };
  },
};
