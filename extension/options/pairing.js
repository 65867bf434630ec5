// The options page's Pair button: the service worker starts an attempt and keeps its secret; this page shows the
// code to confirm in the terminal and asks the worker every few seconds whether the user did. The token never
// passes through this page.
import { runtime } from "../shared/browser-api.js";
import { el } from "../shared/dom.js";
import { MSG } from "../shared/messages.js";

const POLL_MS = 1500;

/** `beforeStart()` saves what pairing needs (the backend address); `onPaired()` refreshes the page. */
export function setUpPairing({ button, output, beforeStart, onPaired }) {
  let timer = 0;

  function show(...children) {
    output.replaceChildren(...children);
  }

  function showCode(code) {
    show(
      el(document, "span", { text: "Your code: " }),
      el(document, "strong", { id: "pair-code", text: code }),
      el(document, "span", { text: ". In a terminal on this computer, run " }),
      el(document, "code", { text: "readnext pair" }),
      el(document, "span", { text: " and confirm this code. Waiting…" }),
    );
  }

  async function ask(type) {
    const answer = await runtime.send({ type });
    if (!answer.ok) throw new Error(answer.error.message);
    return answer;
  }

  async function follow(answer) {
    clearTimeout(timer);
    if (answer.state === "waiting") {
      showCode(answer.code);
      timer = setTimeout(() => ask(MSG.PAIR_CHECK).then(follow).catch(fail), POLL_MS);
    } else if (answer.state === "paired") {
      show(el(document, "span", { class: "ok", text: "Paired: the extension has its token." }));
      await onPaired();
    } else if (answer.state === "expired") {
      show(el(document, "span", { class: "error", text: "The code expired before it was confirmed: click Pair again." }));
    }
  }

  function fail(error) {
    clearTimeout(timer);
    show(el(document, "span", { class: "error", text: error.message }));
  }

  button.addEventListener("click", () => {
    show(el(document, "span", { text: "Asking the backend…" }));
    beforeStart().then(() => ask(MSG.PAIR_START)).then(follow).catch(fail);
  });
  ask(MSG.PAIR_CHECK).then(follow).catch(fail); // an attempt started before this page was (re)opened
}
