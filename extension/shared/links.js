// Which URLs may become a link in what ReadNext draws (the sidebar's cards, Your ReadNext). Paper records come
// from pages and from the backend, so their `url` is data: only http(s) is followed, never javascript: or data:.
import { arxivId } from "./paper.js";

/** The URL when it is http or https, else "". */
export function safeUrl(value) {
  try {
    const url = new URL(String(value ?? ""));
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
  } catch {
    return "";
  }
}

/** Where a paper's title links: its own http(s) URL, else its arXiv abstract for an arXiv id, else "" (no link). */
export function paperUrl(paper) {
  const id = arxivId(paper.id);
  return safeUrl(paper.url) || (id ? `https://arxiv.org/abs/${id}` : "");
}
