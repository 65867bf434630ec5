// One recommendation card: title link, authors, year, match score, the reasons as chips, and the three actions.
import { el } from "../shared/dom.js";
import { paperUrl } from "../shared/links.js";
import { authorLine } from "../shared/paper.js";
import { icon } from "./icons.js";

const MAX_CHIPS = 4;

/** The reason as a short chip; its full text (with the similarity figure) is the chip's tooltip. */
const chipText = (reason) => String(reason.text ?? "").replace(/\s*\(similarity [\d.]+\)\s*$/, "");

function actionButton(doc, { action, label, iconName, pressed, onClick }) {
  return el(doc, "button", {
    type: "button", class: `action action-${action}`, "data-action": action, title: label, "aria-label": label,
    "aria-pressed": pressed === undefined ? undefined : String(pressed), onclick: onClick,
  }, icon(doc, iconName), el(doc, "span", { text: label }));
}

/**
 * item: {paper, display_title, score, reasons, state}. onAction(action, paper) is called with "save", "unsave",
 * "dismiss" or "hide"; dismiss and hide remove the card at once, save toggles. onOpen(paper) when the title link is
 * followed.
 */
export function buildCard(doc, item, { onAction, onOpen, onRemoved }) {
  const { paper, score, reasons = [] } = item;
  let saved = item.state === "saved";
  const url = paperUrl(paper);
  const titleText = item.display_title || paper.title || paper.id; // its TeX as text (WS$_2$ as WS₂), from the API
  const title = url
    ? el(doc, "a", { class: "title", href: url, text: titleText, onclick: () => onOpen(paper) })
    : el(doc, "span", { class: "title", text: titleText });
  const meta = [authorLine(paper.authors), paper.year, paper.venue].filter(Boolean).join(" · ");
  const percent = Number.isFinite(score) ? Math.round(score * 100) : null;

  const card = el(doc, "article", { class: "card", "data-paper-id": paper.id },
    el(doc, "div", { class: "card-head" },
      title,
      percent === null ? null : el(doc, "span", {
        class: "score", text: `${percent}%`, title: `Match ${percent}%: how close this paper is to what you read`,
      })),
    meta ? el(doc, "div", { class: "meta", text: meta }) : null,
    reasons.length
      ? el(doc, "ul", { class: "chips", "aria-label": "Why this paper" },
        reasons.slice(0, MAX_CHIPS).map((reason) =>
          el(doc, "li", { class: `chip chip-${reason.kind ?? "other"}`, text: chipText(reason), title: reason.text })))
      : null);

  const remove = (action) => {
    card.remove();
    onRemoved(card);
    onAction(action, paper);
  };
  const save = actionButton(doc, {
    action: "save", label: saved ? "Saved" : "Save", iconName: "thumbsUp", pressed: saved,
    onClick: () => {
      saved = !saved;
      save.setAttribute("aria-pressed", String(saved));
      save.lastChild.textContent = saved ? "Saved" : "Save";
      onAction(saved ? "save" : "unsave", paper);
    },
  });
  card.append(el(doc, "div", { class: "actions" },
    save,
    actionButton(doc, { action: "dismiss", label: "Not interested", iconName: "thumbsDown", onClick: () => remove("dismiss") }),
    actionButton(doc, { action: "hide", label: "Hide", iconName: "eyeOff", onClick: () => remove("hide") })));
  return card;
}
