// The toolbar popup: is the backend up and paired, pause capture, what was delivered, and a way to the options.
import { runtime, tabs } from "../shared/browser-api.js";
import { el } from "../shared/dom.js";
import { MSG } from "../shared/messages.js";
import { loadSettings, saveSettings, startCommands } from "../shared/settings.js";

const byId = (id) => document.getElementById(id);

function describe(answer) {
  if (!answer.ok) return { tone: "bad", text: `Error: ${answer.error.message}` };
  if (answer.problem?.code === "offline") {
    const start = startCommands(answer.backend);
    return { tone: "bad", text: `Not running at ${answer.backend}`,
      help: `Start it in a terminal: ${start.serve} (or, to have it start with your session: ${start.service})` };
  }
  if (!answer.server) return { tone: "bad", text: `The backend at ${answer.backend} answered: ${answer.problem?.message}` };
  const running = `Running at ${answer.backend}: ${answer.server.corpus} papers, ${answer.server.history} events recorded`;
  if (!answer.paired) return { tone: "warn", text: running, help: "Not paired: open the options and click Pair." };
  if (answer.reason === "unauthorized") return { tone: "warn", text: running, help: "The token was refused: open the options and click Pair again." };
  return { tone: "ok", text: running };
}

function showCounts(answer) {
  const stats = answer.stats ?? {};
  const rows = [
    ["Waiting to be delivered", answer.queued ?? 0],
    ["Events delivered", stats.sent ?? 0],
    ["Already recorded (not counted twice)", stats.duplicates ?? 0],
    ["Rejected by the backend", stats.rejected ?? 0],
    ["Dropped (queue full)", stats.dropped ?? 0],
  ];
  byId("counts").replaceChildren(...rows.flatMap(([label, value]) => [
    el(document, "dt", { text: label }), el(document, "dd", { text: value, "data-count": label }),
  ]));
}

async function refresh() {
  const answer = await runtime.send({ type: MSG.STATUS });
  const { tone, text, help } = describe(answer);
  byId("backend-status").querySelector(".dot").className = `dot ${tone}`;
  byId("backend-status").querySelector(".text").textContent = text;
  byId("backend-help").hidden = !help;
  byId("backend-help").textContent = help ?? "";
  if (answer.ok) showCounts(answer);
  if (answer.ok && answer.server && answer.paired) await showProgress();
}

/** "embedding 12,400 of 38,000 papers, about 25 min left", and a backfill's line while it harvests. */
async function showProgress() {
  const answer = await runtime.send({ type: MSG.BACKFILL_STATUS });
  const harvesting = answer.ok && answer.job?.state === "running" ? answer.job.line : "";
  const lines = answer.ok ? [harvesting, answer.embedding?.line].filter(Boolean) : [];
  byId("progress").hidden = lines.length === 0;
  byId("progress").textContent = lines.join(" · ");
}

async function init() {
  const settings = await loadSettings();
  const paused = byId("paused");
  paused.checked = settings.paused;
  byId("paused-note").hidden = !settings.paused;
  paused.addEventListener("change", async () => {
    await saveSettings({ paused: paused.checked });
    byId("paused-note").hidden = !paused.checked;
  });
  byId("open-yours").addEventListener("click", (event) => {
    event.preventDefault();
    tabs.open(runtime.url("extension/yours/yours.html"));
  });
  byId("open-options").addEventListener("click", (event) => {
    event.preventDefault();
    runtime.openOptions();
  });
  await refresh();
}

init().catch((error) => {
  byId("backend-status").querySelector(".text").textContent = `Error: ${error.message}`;
});
