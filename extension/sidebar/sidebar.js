// The ReadNext sidebar: a closed Shadow DOM host, so the page's CSS cannot reach inside, its CSS cannot leak out,
// and the page's scripts cannot read the recommendations (they describe what the user reads).
import { runtime } from "../shared/browser-api.js";
import { el } from "../shared/dom.js";
import { buildCard } from "./card.js";
import { icon, logo } from "./icons.js";
import { STATES } from "./states.js";

export const HOST_TAG = "readnext-sidebar";
// The room the sidebar takes at the page's right edge (sidebar.css: the panel is 340 px with 12 px around it;
// the tab about 34 px). The page is narrowed by as much, as side panels do, so that nothing of it lies beneath.
const PANEL_ROOM = 364;
const TAB_ROOM = 40;

/** Narrows the page by `pixels` at its right edge (0: gives the room back). */
function makeRoom(doc, pixels) {
  const style = doc.documentElement.style;
  if (pixels) style.setProperty("margin-right", `${pixels}px`, "important");
  else style.removeProperty("margin-right");
}

/**
 * Mounts the sidebar on `doc`; `notice`: a line kept above the cards (that this page is not recorded), or "". handlers: onCollapse(collapsed), onRetry(), onOpenOptions(), onOpenYours(), onAction(action, paper),
 * onOpen(paper). Returns the view: showLoading, showState, showSections, setCollapsed.
 */
export function mountSidebar(doc, { collapsed, notice = "", ...handlers }) {
  doc.querySelector(HOST_TAG)?.remove();
  const host = doc.createElement(HOST_TAG);
  const root = host.attachShadow({ mode: "closed" });
  const panel = el(doc, "aside", { class: "panel", "aria-label": "ReadNext recommendations", hidden: true });
  const body = el(doc, "div", { class: "body", "aria-live": "polite" });
  const tab = el(doc, "button", {
    type: "button", class: "tab", title: "Show ReadNext recommendations", "aria-label": "Show ReadNext recommendations",
    hidden: true, onclick: () => setCollapsed(false, true),
  }, logo(doc, 20), el(doc, "span", { text: "ReadNext" }));
  const count = el(doc, "span", { class: "count", hidden: true });
  tab.append(count);
  /** The tab says how many cards the panel holds, so a collapsed sidebar still tells whether to open it. */
  const showCount = () => {
    const cards = body.querySelectorAll("article.card").length;
    const label = cards ? `Show ReadNext: ${cards} recommendation${cards === 1 ? "" : "s"}` : "Show ReadNext recommendations";
    count.textContent = cards ? String(cards) : "";
    count.hidden = !cards;
    tab.title = label;
    tab.setAttribute("aria-label", label);
  };

  panel.append(
    el(doc, "header", { class: "bar" },
      logo(doc, 26),
      el(doc, "div", { class: "brand" },
        el(doc, "strong", { text: "ReadNext" }),
        el(doc, "span", { text: "Private recommendations · on your computer" })),
      el(doc, "button", {
        type: "button", class: "collapse", title: "Collapse ReadNext", "aria-label": "Collapse ReadNext",
        onclick: () => setCollapsed(true, true),
      }, icon(doc, "chevronRight"))),
    el(doc, "p", { class: "notice", role: "status", text: notice, hidden: !notice }),
    body,
    el(doc, "footer", { class: "foot" },
      el(doc, "span", { text: "Not part of arXiv or Google Scholar" }),
      el(doc, "button", { type: "button", class: "link", "data-action": "yours", text: "Your ReadNext", onclick: () => handlers.onOpenYours() }),
      el(doc, "button", { type: "button", class: "link", text: "Options", onclick: () => handlers.onOpenOptions() })));

  const stylesheet = el(doc, "link", { rel: "stylesheet", href: runtime.url("extension/sidebar/sidebar.css") });
  // wanted: open or the tab, as the user (or the default) chose; shown: what is drawn. They differ where the page
  // does not fit beside the open panel.
  let state = { wanted: !collapsed, shown: false, styled: false };
  const render = () => {
    panel.hidden = !state.styled || !state.shown;
    tab.hidden = !state.styled || state.shown;
    makeRoom(doc, !state.styled ? 0 : state.shown ? PANEL_ROOM : TAB_ROOM);
  };
  /** Whether the page's content ends left of the open panel: a page with a minimum width (Scholar's 964 px) runs on
   * beneath it where the window is too narrow for both. Measured with the room made, before anything is painted. */
  const pageFits = () => {
    const body = doc.body;
    return !body || body.getBoundingClientRect().left + body.scrollWidth <= panel.getBoundingClientRect().left + 1;
  };
  /** Open where it was wanted and the page fits beside it, else the tab; on mount and whenever the window is resized,
   * so a sidebar opened before collapses where the window is too narrow, and opens again where it is wide enough. */
  const fit = () => {
    state = { ...state, shown: state.wanted };
    render();
    if (state.styled && state.shown && !pageFits()) {
      state = { ...state, shown: false };
      render();
    }
  };
  // Shown once styled, so the page never flashes an unstyled panel.
  const styled = () => {
    state = { ...state, styled: true };
    fit();
  };
  stylesheet.addEventListener("load", styled);
  stylesheet.addEventListener("error", styled);
  doc.defaultView?.addEventListener("resize", fit);
  root.append(stylesheet, panel, tab);
  doc.documentElement.append(host);

  /** The user's click on the tab opens the panel here even where the page does not fit (they asked to see it); it
   * is remembered as open, which stands on the pages that fit beside it. */
  function setCollapsed(value, byUser = false) {
    state = { ...state, wanted: !value, shown: !value };
    render();
    if (byUser) handlers.onCollapse(value);
  }

  const replaceBody = (...children) => {
    body.replaceChildren(...children);
    showCount();
  };

  function showLoading(text = "Finding papers for you…") {
    replaceBody(el(doc, "div", { class: "loading", role: "status" }, el(doc, "span", { class: "spinner" }), el(doc, "span", { text })));
  }

  /** One of STATES (offline, not_paired, unauthorized, cold, error), with an optional detail line; `context`
   * ({backend}) for the lines that name it. */
  function showState(name, detail = "", context = {}) {
    const spec = STATES[name] ?? STATES.error;
    const lines = typeof spec.lines === "function" ? spec.lines(context) : spec.lines;
    const action = {
      retry: el(doc, "button", { type: "button", class: "button", text: "Try again", onclick: () => handlers.onRetry() }),
      options: el(doc, "button", { type: "button", class: "button", text: "Open options", onclick: () => handlers.onOpenOptions() }),
    }[spec.action];
    replaceBody(el(doc, "section", { class: `state state-${name}`, "data-state": name },
      el(doc, "h2", { text: spec.title }),
      lines.map((line) => (typeof line === "string"
        ? el(doc, "p", { text: line })
        : el(doc, "pre", {}, el(doc, "code", { text: line.command })))),
      detail ? el(doc, "p", { class: "detail", text: detail }) : null,
      action ?? null));
  }

  /** sections: [{title, note, items, empty}] with items as the backend answers them ({paper, score, reasons, close}).
   * Beside "On this page" (key "page"), whose cards are those close to what the user read, every section is held
   * to that one bar (the backend's `close`, reasons.close_to_reading): "More for you" never lists a paper that
   * "On this page" would call not close. */
  function showSections(sections) {
    const oneBar = sections.some((section) => section.key === "page");
    replaceBody(...sections.map((section) => {
      const items = oneBar ? section.items.filter((item) => item.close !== false) : section.items;
      const empty = items.length < section.items.length ? "Nothing else is close to what you read." : section.empty;
      const list = el(doc, "div", { class: "cards" });
      const emptyNote = el(doc, "p", { class: "empty", text: empty ?? "Nothing here yet.", hidden: items.length > 0 });
      const onRemoved = () => {
        emptyNote.hidden = list.childElementCount > 0;
        showCount();
      };
      list.append(...items.map((item) => buildCard(doc, item, { ...handlers, onRemoved })));
      return el(doc, "section", { class: "section", "data-section": section.key },
        el(doc, "h2", { text: section.title }),
        section.note ? el(doc, "p", { class: "note", text: section.note }) : null,
        list, emptyNote);
    }));
  }

  fit();
  return { showLoading, showState, showSections, setCollapsed };
}
