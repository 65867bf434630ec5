// The paper record as the backend reads it (docs/api.md), and the id rules the parsers share.

const NEW_ID = /^(\d{4}\.\d{4,5})(v\d+)?$/;
const OLD_ID = /^([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?$/;
const ID_IN_URL = /arxiv\.org\/(?:abs|pdf|html|format)\/(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?/i;
const ID_IN_PATH = /^\/(?:abs|pdf|html|format)\/(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?/;

/** The arXiv id without version in an id, an "arXiv:" id, an arXiv URL or an arXiv path; else "". */
export function arxivId(value) {
  let text = String(value ?? "").trim();
  if (/^arxiv:/i.test(text)) text = text.slice(6).trim();
  const match = NEW_ID.exec(text) ?? OLD_ID.exec(text) ?? ID_IN_URL.exec(text) ?? ID_IN_PATH.exec(text);
  return match ? match[1] : "";
}

// How Scholar prints a preprint's venue: "arXiv preprint arXiv:2410.03532", "CoRR, abs/1206.5538", "arXiv
// e-prints, arXiv:hep-th/9901001". An id cut short by Scholar's "…" is not followed by a digit or a dot: left out.
const ID_IN_VENUE = /(?:\barXiv:\s*|\bCoRR,?\s+abs\/)(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?(?![\d.…])/i;

/** The arXiv id (without version) in Scholar's venue text, else "". */
export const arxivIdInVenue = (text) => ID_IN_VENUE.exec(String(text ?? ""))?.[1] ?? "";

/** A DOI from a doi.org link or a bare DOI, as "doi:<doi>"; else "". */
export function doiId(value) {
  const match = /^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:)?(10\.\d{4,9}\/\S+)$/i.exec(String(value ?? "").trim());
  return match ? `doi:${decodeURIComponent(match[1]).toLowerCase()}` : "";
}

/** Whitespace collapsed, trimmed text; "" for anything absent. */
export const clean = (value) => String(value ?? "").replace(/\s+/g, " ").trim();

/** A four-digit year in `text`, as a number, or null. */
export function yearIn(text) {
  const match = /\b(1[89]\d\d|20\d\d)\b/.exec(String(text ?? ""));
  return match ? Number(match[1]) : null;
}

/** A complete paper record: every field of the backend's shape, empty where unknown. */
export function makePaper(fields) {
  return {
    id: fields.id,
    title: clean(fields.title),
    abstract: clean(fields.abstract),
    authors: (fields.authors ?? []).map(clean).filter(Boolean),
    year: fields.year ?? null,
    date: fields.date ?? "",
    categories: fields.categories ?? [],
    url: fields.url ?? "",
    source: fields.source ?? "",
    venue: clean(fields.venue),
    cited_by: Number.isInteger(fields.cited_by) ? fields.cited_by : null,
    aliases: (fields.aliases ?? []).filter((alias) => alias && alias !== fields.id),
  };
}

/** Scholar's cluster id as data-cid spells it (URL-safe base64 of a little-endian 64-bit number) in the decimal
 * form of its cites= and cluster= links, so one paper has one id on result and profile pages. "" if malformed. */
export function scholarCluster(dataCid) {
  const text = String(dataCid ?? "").replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]{11,12}$/.test(text)) return "";
  const bytes = Uint8Array.from(atob(text.padEnd(Math.ceil(text.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
  if (bytes.length < 8) return "";
  let value = 0n;
  for (let i = 7; i >= 0; i -= 1) value = (value << 8n) | BigInt(bytes[i]);
  return value.toString();
}

/** A paper's display authors: "A, B, C +4". */
export function authorLine(authors, shown = 3) {
  const list = authors ?? [];
  return list.length > shown ? `${list.slice(0, shown).join(", ")} +${list.length - shown}` : list.join(", ");
}

/** The year an arXiv id was first submitted (2106.09608 → 2021, hep-th/9901001 → 1999), or null. */
export function yearOfArxivId(id) {
  const match = /^(\d\d)\d\d\.\d{4,5}$/.exec(id ?? "") ?? /\/(\d\d)\d{5}$/.exec(id ?? "");
  if (!match) return null;
  const yy = Number(match[1]);
  return yy >= 91 ? 1900 + yy : 2000 + yy; // arXiv began in 1991
}
