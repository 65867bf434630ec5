// One line at the top of a Scholar profile, in the page's flow (it pushes the page down and covers nothing):
// "This is me" on a profile the user has not answered for, "yours" with undo on the one they accepted.
import { el } from "../shared/dom.js";

export const LINE_TAG = "readnext-profile";

const LINE_CSS = `
:host { all: initial; display: block; }
div { display: flex; align-items: center; gap: 10px; box-sizing: border-box; height: 36px; padding: 0 16px;
      background: #eef2ff; border-bottom: 1px solid #c7d2fe; color: #1f2937;
      font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
strong { color: #4338ca; }
span { flex: 0 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status { color: #6b7280; }
button { font: inherit; font-weight: 600; cursor: pointer; padding: 3px 10px; border-radius: 7px;
         border: 1px solid #4338ca; background: #4338ca; color: #fff; }
button.quiet { background: none; color: #4338ca; }
button.close { margin-left: auto; border: 0; background: none; color: #6b7280; font-size: 16px; padding: 0 4px; }`;

/**
 * state: "offer" or "yours". onAccept / onUndo resolve to a note to show ("" for none); onDismiss hides the
 * offer on this profile for good.
 */
export function showProfileLine(doc, { state, author, count, onAccept, onUndo, onDismiss, onError }) {
  doc.querySelector(LINE_TAG)?.remove();
  const host = doc.createElement(LINE_TAG);
  const root = host.attachShadow({ mode: "closed" });
  const status = el(doc, "span", { class: "status", role: "status" });

  const act = (handler, next) => async (event) => {
    event.currentTarget.disabled = true;
    try {
      const note = await handler();
      render(next);
      status.textContent = note;
    } catch (error) {
      onError(error);
      render(state);
      status.textContent = `Could not do that: ${error.message}`;
    }
  };

  function render(name) {
    state = name;
    const line = name === "yours"
      ? el(doc, "div", { "data-state": "yours" },
        el(doc, "strong", { text: "ReadNext" }),
        el(doc, "span", { text: `Your profile: its ${count} papers are yours in ReadNext.` }),
        el(doc, "button", { type: "button", class: "quiet", "data-action": "undo", text: "Undo", onclick: act(onUndo, "offer") }),
        status)
      : el(doc, "div", { "data-state": "offer" },
        el(doc, "strong", { text: "ReadNext" }),
        el(doc, "span", { text: `${author ? `Is this you, ${author}?` : "Is this your profile?"} Start your profile from its ${count} papers.` }),
        el(doc, "button", { type: "button", "data-action": "accept", text: "This is me", onclick: act(onAccept, "yours") }),
        status,
        el(doc, "button", {
          type: "button", class: "close", "data-action": "dismiss", text: "×", title: "Not me: do not offer this here again",
          "aria-label": "Not me: do not offer this here again",
          onclick: () => {
            host.remove();
            onDismiss();
          },
        }));
    status.textContent = "";
    root.replaceChildren(el(doc, "style", { text: LINE_CSS }), line);
  }

  render(state);
  doc.body.prepend(host);
}
