// One parser per page kind, tried in order; the first whose `matches` accepts the page parses it. Every parser
// returns {kind, site, ...} with papers in the backend's shape, or null when the page is not what it seemed.
import { arxivAbstract } from "./arxiv-abstract.js";
import { arxivListing } from "./arxiv-listing.js";
import { arxivSearch } from "./arxiv-search.js";
import { scholarProfile } from "./scholar-profile.js";
import { scholarCaptcha, scholarResults } from "./scholar-results.js";

export const PARSERS = [scholarCaptcha, arxivAbstract, arxivListing, arxivSearch, scholarResults, scholarProfile];

/** The parsed page, or null for pages ReadNext has nothing to do on. A parser that throws on drifted markup is
 * reported and treated as "nothing here": a broken parser must never break the page. */
export function parsePage(doc, location) {
  const url = new URL(location);
  const parser = PARSERS.find((candidate) => candidate.matches(url, doc));
  if (!parser) return null;
  try {
    return parser.parse(doc, url);
  } catch (error) {
    console.warn(`ReadNext: the ${parser.kind} parser failed on this page's markup`, error);
    return null;
  }
}
