// New for you: the papers of the followed arXiv categories not shown before, best first with their reasons. The
// backend marks a page seen as it answers, so "More" asks again for the next page and a later visit shows only
// what arrived since. Through the service worker's router (MSG.NEW_FOR_YOU) and its one backend client; DOM built
// with createElement / textContent (shared/dom.js).
import { runtime } from "../shared/browser-api.js";
import { el } from "../shared/dom.js";
import { MSG } from "../shared/messages.js";
import { paperUrl } from "../shared/links.js";
import { authorLine } from "../shared/paper.js";

const PAGE = 10;
const byId = (id) => document.getElementById(id);
let shown = 0;

function card(item) {
  const { paper, score, reasons = [] } = item;
  const url = paperUrl(paper);
  const text = item.display_title || paper.title || paper.id;
  const title = url
    ? el(document, "a", { class: "title", href: url, target: "_blank", rel: "noopener", text })
    : el(document, "span", { class: "title", text });
  const percent = Math.round(Number(score) * 100);
  return el(document, "li", { class: "new-card", "data-paper-id": paper.id },
    el(document, "div", { class: "head" }, title,
      el(document, "span", { class: "score", text: `${percent}%`, title: "Match: how close this paper is to what you read" })),
    el(document, "div", { class: "authors", text: [authorLine(paper.authors), (paper.categories ?? []).join(", ")]
      .filter(Boolean).join(" · ") }),
    el(document, "ul", { class: "reasons" }, ...reasons.map((reason) => el(document, "li", { text: reason.text }))));
}

function summary(answer) {
  if (!answer.categories.length) {
    const suggested = answer.suggested_categories ?? [];
    return "You follow no arXiv category yet. Choose some in the options (Follow arXiv)"
      + (suggested.length ? `; what you read suggests ${suggested.join(", ")}.` : ".");
  }
  byId("followed").textContent = `New in ${answer.categories.join(", ")} since ${answer.since}, best first`;
  if (!shown) return "Nothing new since your last visit.";
  return answer.remaining ? `${shown} shown, ${answer.remaining} more new.` : `${shown} shown: that is all that is new.`;
}

async function loadPage() {
  const more = byId("more");
  more.disabled = true;
  const answer = await runtime.send({ type: MSG.NEW_FOR_YOU, k: PAGE });
  byId("problem").hidden = answer.ok;
  if (!answer.ok) {
    byId("problem").textContent = answer.error.message;
    byId("summary").textContent = "";
    more.disabled = false;
    return;
  }
  byId("new-list").append(...answer.items.map(card));
  shown += answer.items.length;
  byId("summary").textContent = summary(answer);
  more.hidden = !answer.remaining;
  more.disabled = false;
  document.body.dataset.pages = String(Number(document.body.dataset.pages ?? 0) + 1); // for tests: a page came
}

byId("more").addEventListener("click", () => loadPage());
loadPage();
