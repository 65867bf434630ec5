// "Sort for me" on arXiv's /list/<cat>/new and /recent pages: a switch that re-orders the listing's entries in place
// by the reader's score (the /score answer the marks use) and puts them back in arXiv's order; the choice is
// remembered in this browser's settings (sortListings).
import { el } from "../shared/dom.js";

export const SORT_TAG = "readnext-sort";
const SORTABLE_PATH = /^\/list\/[^/]+\/(new|recent)\/?$/;

const SORT_CSS = `
:host { all: initial; display: block; margin: 6px 0; }
label { font: 600 12.5px/1.6 system-ui, sans-serif; color: #312e81; cursor: pointer; }
input { vertical-align: middle; margin: 0 6px 0 0; }`;

export const sortable = (location) => location.hostname === "arxiv.org" && SORTABLE_PATH.test(location.pathname);

/** Each entry's <dt> and <dd>, with its score; grouped by their list (<dl>), in arXiv's order. */
function listsOf(entries, answer) {
  const lists = new Map();
  entries.forEach((entry, index) => {
    const dd = entry.anchor.closest("dd");
    const dt = dd?.previousElementSibling;
    if (!dd || dt?.tagName !== "DT") return;
    const list = dd.parentElement;
    if (!lists.has(list)) lists.set(list, []);
    lists.get(list).push({ dt, dd, score: answer.items[index]?.score ?? 0, position: index });
  });
  return [...lists.entries()];
}

function arrange(lists, byScore) {
  for (const [list, pairs] of lists) {
    const ordered = byScore ? [...pairs].sort((a, b) => b.score - a.score || a.position - b.position) : pairs;
    for (const { dt, dd } of ordered) list.append(dt, dd);
  }
}

/** Adds the switch before the first list and applies `sorted`; `onChange(sorted)` when the reader flips it. */
export function addSortSwitch(doc, entries, answer, { sorted, onChange }) {
  const lists = listsOf(entries, answer);
  if (!lists.length || doc.querySelector(SORT_TAG)) return;
  const host = doc.createElement(SORT_TAG);
  const root = host.attachShadow({ mode: "closed" });
  const box = el(doc, "input", { type: "checkbox", id: "sort" });
  box.checked = sorted;
  box.addEventListener("change", () => {
    arrange(lists, box.checked);
    onChange(box.checked);
  });
  root.append(el(doc, "style", { text: SORT_CSS }),
    el(doc, "label", { title: "ReadNext: order this listing by how close each paper is to what you read" },
      box, "ReadNext: sort for me"));
  const first = lists[0][0];
  first.parentElement.insertBefore(host, first);
  if (sorted) arrange(lists, true);
}
