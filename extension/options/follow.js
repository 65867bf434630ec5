// The options page's Follow arXiv section, offered once there is a history: the categories of what the user reads
// are suggested; "Show" stores them with following still off, so that the backend answers exactly what following
// would send (the request URLs of ingest/follow.py); only "Follow" turns it on. Nothing is followed unasked.
import { runtime } from "../shared/browser-api.js";
import { MSG } from "../shared/messages.js";

const field = (id) => document.getElementById(id);

function say(text, isError = false) {
  field("follow-result").textContent = text;
  field("follow-result").className = isError ? "error" : "";
}

function show(answer) {
  const { fetch, traffic, suggested_categories: suggested = [] } = answer;
  const offer = !fetch.categories.length && suggested.length;
  field("follow-offer").hidden = !offer;
  field("follow-offer").textContent = offer ? `You read mostly ${suggested.join(", ")}: follow them?` : "";
  if (!field("follow-categories").value) field("follow-categories").value = (fetch.categories.length ? fetch.categories : suggested).join(" ");
  field("follow-traffic").hidden = !fetch.categories.length;
  field("follow-traffic").textContent = fetch.categories.length ? traffic : "";
  field("follow-on").hidden = fetch.enabled || !fetch.categories.length;
  field("follow-off").hidden = !fetch.enabled;
  say(fetch.enabled ? `Following ${fetch.categories.join(", ")}.` : "");
}

async function change(fetch) {
  const answer = await runtime.send({ type: MSG.FOLLOW, fetch });
  if (!answer.ok) {
    say(answer.error.message, true);
    return;
  }
  show(answer);
}

const categories = () => field("follow-categories").value.split(/[\s,]+/).filter(Boolean);
const failed = (error) => say(error.message, true);

async function init() {
  field("follow-show").addEventListener("click", () => change({ categories: categories(), enabled: false }).catch(failed));
  field("follow-on").addEventListener("click", () => change({ enabled: true }).catch(failed)); // as shown
  field("follow-categories").addEventListener("input", () => {
    field("follow-on").hidden = true; // what it would send must be shown again first
    field("follow-traffic").hidden = true;
  });
  field("follow-off").addEventListener("click", () => change({ enabled: false }).catch(failed));
  const answer = await runtime.send({ type: MSG.FOLLOW });
  if (answer.ok) show(answer); // not paired or not running: the form above says so on "Check connection"
}

init().catch(failed);
