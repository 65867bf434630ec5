// Marks on a page's own list of papers (an arXiv listing, search results, Scholar results): the few that matter
// most to this user ("for you 87%", the main reason on hover), and those already read or saved.
import { el } from "../shared/dom.js";

export const MARK_TAG = "readnext-mark";
export const MAX_PICKS = 5; // a daily listing of ~150 papers should show the handful worth opening
export const MIN_PICK_SCORE = 0.3; // below this cosine similarity a paper is not close to anything the user reads

const STATE_LABELS = { read: "read", saved: "saved", own: "your paper" };
// What in the user's history can back a mark. A search matches every one of its own hits, so the query ("Close
// to your search") never marks a hit by itself.
const HISTORY_REASONS = new Set(["history", "author", "interest"]);
const historyReason = (item) => item.reasons?.find((reason) => HISTORY_REASONS.has(reason.kind));

const MARK_CSS = `
:host { all: initial; display: inline-block; margin-left: 8px; vertical-align: middle; }
span { display: inline-block; padding: 1px 8px; border-radius: 999px; font: 600 11.5px/1.6 system-ui, sans-serif;
       white-space: nowrap; cursor: help; }
.pick { background: #4338ca; color: #fff; box-shadow: inset 0 -2px 0 #fbbf24; }
.read { background: #e5e7eb; color: #374151; }
.saved, .own { background: #fef3c7; color: #78350f; }`;

function addMark(doc, anchor, kind, label, hint) {
  const host = doc.createElement(MARK_TAG);
  const root = host.attachShadow({ mode: "closed" });
  root.append(el(doc, "style", { text: MARK_CSS }), el(doc, "span", { class: kind, text: `ReadNext: ${label}`, title: hint }));
  anchor.append(host);
}

/** The best-scored unread papers that something in the history backs, best first: at most MAX_PICKS, none
 * under MIN_PICK_SCORE. */
export function choosePicks(papers, answer) {
  if (answer.mode !== "personal") return [];
  return answer.items
    .map((item, index) => ({ ...item, paper: papers[index] }))
    .filter((item) => !item.state && item.score >= MIN_PICK_SCORE && historyReason(item))
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_PICKS);
}

/** Marks `entries` ([{paper, anchor}]) from the /score answer (items in entry order); returns the picks. */
export function markEntries(doc, entries, answer) {
  for (const old of doc.querySelectorAll(MARK_TAG)) old.remove();
  const picks = choosePicks(entries.map((entry) => entry.paper), answer);
  const pickIds = new Set(picks.map((pick) => pick.paper.id));
  answer.items.forEach((item, index) => {
    const { anchor, paper } = entries[index];
    if (pickIds.has(paper.id)) {
      const reason = historyReason(item).text;
      addMark(doc, anchor, "pick", `for you ${Math.round(item.score * 100)}%`, reason);
    } else if (STATE_LABELS[item.state]) {
      addMark(doc, anchor, item.state, STATE_LABELS[item.state], `ReadNext: ${STATE_LABELS[item.state]}`);
    }
  });
  return picks;
}
