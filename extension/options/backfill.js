// The options page's backfill section: suggest categories from what the user reads, show exactly what a backfill
// would send, start it only on a second, explicit click, then show the harvest and the embedding as they go.
import { runtime } from "../shared/browser-api.js";
import { el } from "../shared/dom.js";
import { MSG } from "../shared/messages.js";

const field = (id) => document.getElementById(id);
const POLL_MS = 2000;

function say(text, isError = false) {
  field("backfill-result").textContent = text;
  field("backfill-result").className = isError ? "error" : "";
}

function request() {
  return { categories: field("backfill-categories").value.split(/[\s,]+/).filter(Boolean), since: field("backfill-since").value };
}

/** The request the shown traffic belongs to: a change of the fields means it must be shown again. */
let shownFor = "";

async function start() {
  const asked = request();
  const key = JSON.stringify(asked);
  const confirm = shownFor === key;
  const answer = await runtime.send({ type: MSG.BACKFILL, ...asked, confirm });
  if (!answer.ok) {
    say(answer.error.message, true);
    return;
  }
  field("backfill-traffic").hidden = false;
  field("backfill-traffic").textContent = answer.traffic;
  if (!confirm) {
    shownFor = key;
    field("backfill-start").textContent = "Send these requests to arXiv";
    say("Nothing was sent yet. These are the requests; click again to send them.");
    return;
  }
  shownFor = "";
  field("backfill-start").textContent = "Fetch these papers";
  say("Started: the backend fetches the papers and embeds them in the background.");
  await follow();
}

async function follow() {
  const answer = await runtime.send({ type: MSG.BACKFILL_STATUS });
  if (!answer.ok) return;
  const running = answer.job?.state === "running";
  const lines = [answer.job?.line, answer.job?.error, answer.embedding?.line].filter(Boolean);
  if (lines.length) say(lines.join(" · "), answer.job?.state === "failed");
  if (running || answer.embedding?.pending) setTimeout(() => follow().catch(() => {}), POLL_MS);
}

/** After the first reads: "You read mostly cs.LG, cs.CL. Use these". */
function suggest(suggested) {
  const categories = suggested?.categories ?? [];
  field("backfill-suggestion").hidden = categories.length === 0;
  if (!categories.length) return;
  const use = el(document, "button", { type: "button", class: "secondary", text: "Use these" });
  use.addEventListener("click", () => {
    field("backfill-categories").value = categories.join(" ");
  });
  field("backfill-suggestion").replaceChildren(`You read mostly ${categories.join(", ")}. `, use);
}

async function init() {
  field("backfill-start").addEventListener("click", () => start().catch((error) => say(error.message, true)));
  const answer = await runtime.send({ type: MSG.BACKFILL_STATUS });
  if (!answer.ok) return; // not paired or not running: the form above says so on "Check connection"
  suggest(answer.suggested);
  if (answer.state && !field("backfill-categories").value) {
    field("backfill-categories").value = answer.state.categories.join(" ");
    field("backfill-since").value = answer.state.since.slice(0, 7);
  }
  await follow();
}

init().catch((error) => say(error.message, true));
