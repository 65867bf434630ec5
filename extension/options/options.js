// The options page: backend address, pairing token, capture per site, minimum visible seconds.
import { runtime } from "../shared/browser-api.js";
import { MSG } from "../shared/messages.js";
import { loadSettings, loadToken, normaliseBackend, saveSettings, saveToken, startCommands } from "../shared/settings.js";
import { setUpAccess } from "./access.js";
import { setUpPairing } from "./pairing.js";

const form = document.getElementById("options");
const field = (id) => document.getElementById(id);

function say(text, isError = false) {
  field("result").textContent = text;
  field("result").className = isError ? "error" : "";
}

async function fill() {
  const [settings, token] = await Promise.all([loadSettings(), loadToken()]);
  field("backend").value = settings.backend;
  field("token").value = token;
  field("capture-arxiv").checked = settings.capture.arxiv;
  field("capture-scholar").checked = settings.capture.scholar;
  field("min-seconds").value = settings.minVisibleSeconds;
}

async function save(event) {
  event.preventDefault();
  let backend;
  try {
    backend = normaliseBackend(field("backend").value);
  } catch (error) {
    say(error.message, true);
    return;
  }
  const seconds = Number(field("min-seconds").value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 600) {
    say("The minimum visible time must be between 0 and 600 seconds.", true);
    return;
  }
  await saveSettings({
    backend,
    capture: { arxiv: field("capture-arxiv").checked, scholar: field("capture-scholar").checked },
    minVisibleSeconds: seconds,
  });
  await saveToken(field("token").value);
  field("backend").value = backend;
  say("Saved.");
}

async function check() {
  say("Checking…");
  const answer = await runtime.send({ type: MSG.STATUS });
  if (!answer.ok) say(answer.error.message, true);
  else if (answer.problem?.code === "offline") say(`No backend at ${answer.backend}. Start it with: ${startCommands(answer.backend).serve}, or have it start with your session: ${startCommands(answer.backend).service}`, true);
  else if (!answer.server) say(`The backend at ${answer.backend} answered: ${answer.problem?.message}`, true);
  else if (!answer.paired) say("The backend runs, but the extension is not paired yet: click Pair above.", true);
  else if (answer.reason === "unauthorized") say("The backend runs but refused the token: click Pair again.", true);
  else say(`Connected: ${answer.server.corpus} papers, ${answer.server.history} events recorded.`);
}

const fail = (error) => say(error.message, true);
form.addEventListener("submit", (event) => save(event).catch(fail));
field("check").addEventListener("click", () => check().catch(fail));
fill().catch(fail);
setUpAccess({ section: field("access"), list: field("access-missing"), button: field("allow-access"), fail }).catch(fail);
setUpPairing({
  button: field("pair"),
  output: field("pair-status"),
  // Pairing talks to the address in the field, so it is saved first.
  beforeStart: async () => saveSettings({ backend: normaliseBackend(field("backend").value) }),
  onPaired: async () => {
    field("token").value = await loadToken(); // so that a later Save keeps the new token
  },
});
