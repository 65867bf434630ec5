// Google Scholar results /scholar?q=...: one div.gs_r per hit (div.gs_r.gs_or.gs_scl with data-cid since about
// 2017; a bare div.gs_r before). Authors, venue and year share one line: "A Author, B Author - Venue, 2019 - host".
import { arxivId, arxivIdInVenue, doiId, makePaper, scholarCluster, yearIn } from "../../shared/paper.js";
import { countIn, href, text, textWithout } from "./dom.js";

const TYPE_TAGS = ".gs_ctc, .gs_ctu, .gs_ctg2";

/** The hit's cluster id in decimal: from data-cid, else from its cites= / cluster= / related: links. */
function clusterOf(hit) {
  const fromCid = scholarCluster(hit.getAttribute("data-cid"));
  if (fromCid) return fromCid;
  for (const link of hit.querySelectorAll("a[href*='cites='], a[href*='cluster=']")) {
    const match = /[?&](?:cites|cluster)=(\d+)/.exec(link.getAttribute("href"));
    if (match) return match[1];
  }
  const related = /related:([\w-]{12}):/.exec(hit.querySelector("a[href*='related:']")?.getAttribute("href") ?? "");
  return related ? scholarCluster(related[1]) : "";
}

/** "MJ Isaac, TJ Chinn - Antarctica. Institute of …, 1996 - host" → authors, venue, year. */
function splitByline(line) {
  const [authorPart = "", venuePart = ""] = line.split(/\s+-\s+/);
  const authors = authorPart.split(",").map((name) => name.replace(/…|\.\.\./g, "").trim()).filter(Boolean);
  const year = yearIn(venuePart);
  const venue = venuePart.replace(/,?\s*\b(1[89]\d\d|20\d\d)\b\s*$/, "").replace(/^\s*(1[89]\d\d|20\d\d)\s*$/, "");
  return { authors, venue: venue.trim(), year };
}

function entryOf(hit, base) {
  const body = hit.querySelector(".gs_ri") ?? hit;
  const heading = body.querySelector("h3.gs_rt, h3");
  const titleLink = heading?.querySelector("a[href]");
  const link = href(titleLink, base);
  const fullText = href(hit.querySelector(".gs_ggs a[href], .gs_ggsd a[href]"), base);
  const cluster = clusterOf(hit);
  const bylineText = text(body.querySelector(".gs_a"));
  const arxiv = arxivId(link) || arxivId(fullText) || arxivIdInVenue(bylineText);
  const doi = doiId(link);
  const scholar = cluster ? `scholar:${cluster}` : "";
  const id = arxiv || scholar || doi;
  if (!id) return null;
  const byline = splitByline(bylineText);
  const citedBy = [...body.querySelectorAll(".gs_fl a[href*='cites=']")].map(text).find((t) => /\d/.test(t));
  const paper = makePaper({
    id,
    title: titleLink ? text(titleLink) : textWithout(heading, TYPE_TAGS),
    abstract: text(body.querySelector(".gs_rs")),
    authors: byline.authors,
    venue: byline.venue,
    year: byline.year,
    cited_by: citedBy ? countIn(citedBy) : null,
    url: arxiv ? `https://arxiv.org/abs/${arxiv}` : link || (cluster ? `https://scholar.google.com/scholar?cluster=${cluster}` : ""),
    source: "scholar",
    aliases: [scholar, doi],
  });
  return { paper, anchor: heading ?? body };
}

export const scholarResults = {
  kind: "scholar-results",
  site: "scholar",
  matches: (url) => url.hostname === "scholar.google.com" && url.pathname === "/scholar",
  parse(doc, url) {
    const query = (url.searchParams.get("q") ?? doc.querySelector("input[name='q']")?.value ?? "").replace(/\s+/g, " ").trim();
    const container = doc.querySelector("#gs_res_ccl_mid, #gs_ccl") ?? doc;
    const hits = [...container.querySelectorAll("div.gs_r")].filter((hit) => hit.querySelector("h3"));
    return { kind: this.kind, site: this.site, query, entries: hits.map((hit) => entryOf(hit, url)).filter(Boolean) };
  },
};

/** Scholar's "unusual traffic" page, which it serves instead of results: recognised so that nothing happens. */
export const scholarCaptcha = {
  kind: "scholar-captcha",
  site: "scholar",
  matches: (url, doc) => url.hostname === "scholar.google.com" && Boolean(doc.querySelector("#gs_captcha_ccl, #gs_captcha_f")),
  parse() {
    return { kind: this.kind, site: this.site };
  },
};
