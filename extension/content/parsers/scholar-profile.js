// Google Scholar author profile /citations?user=<id>: the author's publications, for "This is me".
import { arxivIdInVenue, makePaper, yearIn } from "../../shared/paper.js";
import { countIn, href, text, textWithout } from "./dom.js";

function entryOf(row, base, user) {
  const titleLink = row.querySelector("a.gsc_a_at");
  const [authorLine, venueLine] = row.querySelectorAll(".gs_gray");
  const citedLink = row.querySelector("a.gsc_a_ac");
  const cluster = /[?&]cites=(\d+)/.exec(citedLink?.getAttribute("href") ?? "")?.[1];
  const publication = new URL(href(titleLink, base) || base).searchParams.get("citation_for_view");
  // Without citations a publication has no cluster id; its profile entry is the only name it has here. A
  // preprint is named by its arXiv id, so that it is the same paper when the user meets it on arXiv.
  const scholarId = cluster ? `scholar:${cluster}` : publication ? `scholarpub:${publication}` : "";
  const venue = textWithout(venueLine, ".gs_oph");
  const arxiv = arxivIdInVenue(venue);
  const id = arxiv || scholarId;
  const title = text(titleLink);
  if (!id || !title) return null;
  return {
    paper: makePaper({
      id,
      title,
      authors: text(authorLine).split(",").map((name) => name.replace(/…|\.\.\./g, "").trim()),
      venue,
      year: yearIn(text(row.querySelector(".gsc_a_y"))),
      cited_by: countIn(text(citedLink)),
      url: arxiv ? `https://arxiv.org/abs/${arxiv}` : href(titleLink, base) || `https://scholar.google.com/citations?user=${user}`,
      source: "scholar",
      aliases: [scholarId],
    }),
    anchor: titleLink ?? row,
  };
}

export const scholarProfile = {
  kind: "scholar-profile",
  site: "scholar",
  matches: (url) => url.hostname === "scholar.google.com" && url.pathname === "/citations" && url.searchParams.has("user"),
  parse(doc, url) {
    const user = url.searchParams.get("user");
    const rows = [...doc.querySelectorAll("#gsc_a_b tr.gsc_a_tr, tr.gsc_a_tr")];
    return {
      kind: this.kind,
      site: this.site,
      user,
      author: text(doc.querySelector("#gsc_prf_in")),
      entries: [...new Set(rows)].map((row) => entryOf(row, url, user)).filter(Boolean),
    };
  },
};
