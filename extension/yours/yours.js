// Your ReadNext: the user's own page. Everything it shows comes from the backend, through the extension's one
// client (background/backend.js: an extension page reaches 127.0.0.1 itself, with the same timeouts and error
// codes as the service worker), and is built with createElement / textContent; every change reloads the page's data.
import { currentBackend } from "../background/backend.js";
import { el } from "../shared/dom.js";
import { paperUrl } from "../shared/links.js";
import { authorLine } from "../shared/paper.js";
import { loadSettings, saveSettings } from "../shared/settings.js";
import { colourOf, drawMap } from "./map.js";

const byId = (id) => document.getElementById(id);
const item = (...children) => el(document, "li", { class: "item" }, ...children);
const empty = (text) => el(document, "li", { class: "empty", text });
const paperLink = (paper) => {
  const url = paperUrl(paper);
  return url
    ? el(document, "a", { class: "title", href: url, target: "_blank", rel: "noopener", text: paper.title || paper.id })
    : el(document, "span", { class: "title", text: paper.title || paper.id });
};

function showProblem(error) {
  byId("problem").hidden = !error;
  byId("problem").textContent = error ? error.message : "";
  if (error) console.error("ReadNext:", error);
}

/** Runs `work(backend)`, then reloads the page's data; a failure is shown in the banner. The client is made for
 * each change, from the settings of the moment (the user may pair again while the page is open). */
async function change(work) {
  try {
    await work(await currentBackend());
    await load();
  } catch (error) {
    showProblem(error);
  }
}

// --- reading history -----------------------------------------------------------------------------------------
function duration(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

/** What the paper told ReadNext: "yours", "saved", "read for 2 min", "opened the PDF", ... */
export function signals(entry) {
  const said = [];
  const label = { own: "yours", saved: "saved", dismissed: "dismissed", hidden: "hidden" }[entry.state];
  if (label) said.push(label);
  if (entry.library && !label) said.push("in your library");
  if (entry.events.view) said.push(`read for ${duration(entry.seconds)}`);
  if (entry.events.pdf) said.push("opened the PDF");
  if (entry.events.click) said.push("opened from ReadNext");
  if (!said.length) said.push("taken back"); // e.g. a dismissal undone: its events stay until deleted
  return said;
}

let history = [];

function renderHistory() {
  const query = byId("history-search").value.trim().toLowerCase();
  const shown = history.filter(({ paper }) => !query
    || `${paper.title} ${(paper.authors ?? []).join(" ")}`.toLowerCase().includes(query));
  byId("history-count").textContent = query ? `${shown.length} of ${history.length} papers` : `${history.length} papers`;
  byId("history-list").replaceChildren(...(shown.length ? shown.map((entry) => item(
    el(document, "div", { class: "what" },
      paperLink(entry.paper),
      el(document, "div", { class: "meta" },
        signals(entry).map((text) => el(document, "span", { class: `signal signal-${entry.state ?? "seen"}`, text })),
        `${authorLine(entry.paper.authors)}${entry.paper.year ? ` · ${entry.paper.year}` : ""} · last ${new Date(entry.last).toLocaleDateString()}`)),
    el(document, "button", {
      type: "button", class: "danger small", "data-action": "delete", "data-paper-id": entry.paper.id, text: "Delete",
      title: "Forget this paper and every event about it",
      onclick: () => change((backend) => backend.forgetPaper(entry.paper.id)),
    }),
  )) : [empty(history.length ? "No paper matches." : "Nothing yet: read a few papers on arXiv or Scholar.")]));
}

// --- interests -------------------------------------------------------------------------------------------------
function renderInterests(interests) {
  const anchors = interests.map((interest) => interest.papers[0]?.id);
  byId("interest-list").replaceChildren(...(interests.length ? interests.map((interest, index) => {
    const others = interests.map((other, j) => ({ other, j })).filter(({ j }) => j !== index);
    const target = el(document, "select", { "aria-label": `Merge “${interest.label}” with` },
      others.map(({ other, j }) => el(document, "option", { value: anchors[j], text: other.label })));
    return el(document, "div", { class: "interest", "data-interest": index, style: `--colour: ${colourOf(index)}` },
      el(document, "h3", {}, interest.label, el(document, "span", { class: "weight", text: `${Math.round(interest.weight * 100)}% of your reading` })),
      el(document, "ul", {}, interest.papers.slice(0, 6).map((paper) => el(document, "li", { text: paper.title }))),
      interest.papers.length > 6 ? el(document, "p", { class: "muted", text: `and ${interest.papers.length - 6} more` }) : null,
      el(document, "div", { class: "row" },
        others.length ? target : null,
        others.length ? el(document, "button", {
          type: "button", class: "secondary small", "data-action": "merge", text: "Merge",
          onclick: () => change((backend) => backend.mergeInterests([anchors[index], target.value])),
        }) : null,
        el(document, "button", {
          type: "button", class: "danger small", "data-action": "remove-interest", text: "Remove",
          title: "Forget the papers of this interest",
          onclick: () => change((backend) => backend.removeInterest(anchors[index])),
        })));
  }) : [el(document, "p", { class: "empty", text: "No interests yet." })]));
}

// --- dismissed and hidden ----------------------------------------------------------------------------------------
function undoEvent(backend, type, paperId) {
  return backend.postEvents([{ id: `${type}-${crypto.randomUUID()}`, type, paper_id: paperId }]);
}

function renderRemoved(profile) {
  const rows = [
    ...profile.dismissed.map((paper) => ({ paper, kind: "dismissed", undo: "undismiss", label: "Not interested" })),
    ...(profile.hidden ?? []).map((paper) => ({ paper, kind: "hidden", undo: "unhide", label: "Hidden" })),
  ];
  byId("removed-list").replaceChildren(...(rows.length ? rows.map(({ paper, kind, undo, label }) => item(
    el(document, "div", { class: "what" },
      el(document, "span", { class: "title", text: paper.title || paper.id }),
      el(document, "div", { class: "meta" }, el(document, "span", { class: `signal signal-${kind}`, text: label }))),
    el(document, "button", {
      type: "button", class: "secondary small", "data-action": "undo", "data-paper-id": paper.id, text: "Undo",
      onclick: () => change((backend) => undoEvent(backend, undo, paper.id)),
    }),
  )) : [empty("Nothing dismissed or hidden.")]));
}

// --- the map -------------------------------------------------------------------------------------------------------
function renderMap(answer) {
  const caption = byId("map-caption");
  const focus = (point) => {
    caption.textContent = point ? `${point.title}${point.kind === "recommended" ? " · recommended now" : ""}` : "";
  };
  byId("map-box").replaceChildren(answer.points.length
    ? drawMap(document, answer, focus)
    : el(document, "p", { class: "empty", text: "The map appears once you have read a few papers." }));
  byId("map-legend").replaceChildren(...answer.interests.map((interest, index) =>
    el(document, "li", { style: `--colour: ${colourOf(index)}`, text: interest.label })));
}

// --- what leaves the machine -----------------------------------------------------------------------------------
/** settings: GET /settings (following arXiv); backfill: GET /backfill, with the exact requests of its last
 * harvest as POST /backfill words them without `confirm` (which sends nothing and starts nothing). */
function renderNetwork(settings, backfill, backfillTraffic) {
  const rows = [
    { name: "Following arXiv (new papers in chosen categories)", state: settings.fetch?.enabled ? "on" : "off", traffic: settings.traffic },
    {
      name: "Backfill from arXiv (older papers of chosen categories)",
      state: backfill?.job?.state === "running" ? "running now" : backfill?.state ? `last run: ${backfill.state.categories.join(", ")} since ${backfill.state.since}` : "never run",
      traffic: backfillTraffic || "Nothing: a backfill runs only when you start one (readnext backfill, or the options).",
    },
  ];
  byId("network-list").replaceChildren(
    el(document, "p", { class: "muted", text: "The extension talks only to your backend on 127.0.0.1. The backend sends requests to the internet only for what is switched on below; each is off until you switch it on." }),
    ...rows.map((row) => el(document, "div", { class: "setting", "data-setting": row.name },
      el(document, "strong", { text: `${row.name}: ${row.state}` }),
      row.traffic ? el(document, "pre", { text: row.traffic }) : null)));
}

async function backfillTrafficOf(backend, backfill) {
  if (!backfill?.state?.categories?.length) return "";
  const { categories, since, until } = backfill.state;
  return (await backend.backfill({ categories, since, until })).traffic;
}

// --- your data -------------------------------------------------------------------------------------------------
function download(name, type, text) {
  const link = el(document, "a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function bytes(count) {
  const units = ["bytes", "KB", "MB", "GB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

async function importFile(backend, file) {
  const text = await file.text();
  const format = /^\s*@/m.test(text) && !/^\s*[[{]/.test(text) ? "bibtex" : "csljson";
  const report = await backend.importText({ format, text, as: byId("import-as").value });
  byId("data-result").textContent = `Imported ${report.papers} papers from ${file.name}: ${report.recorded} added to your history`
    + `${report.already_recorded ? `, ${report.already_recorded} there already` : ""}`
    + `${report.problems.length ? `; ${report.problems.length} entries could not be read` : ""}.`;
}

// --- the page ---------------------------------------------------------------------------------------------------
async function load() {
  const backend = await currentBackend();
  const [historyAnswer, profile, map, settings, usage, backfill] = await Promise.all([
    backend.history({ limit: 1000 }), backend.profile(), backend.readingMap(), backend.settings(), backend.usage(),
    backend.backfillStatus(),
  ]);
  history = historyAnswer.items;
  renderHistory();
  renderInterests(profile.interests);
  renderRemoved(profile);
  renderMap(map);
  renderNetwork(settings, backfill, await backfillTrafficOf(backend, backfill));
  byId("usage").textContent = `On disk: ${bytes(usage.bytes)} in ${usage.home}`;
  showProblem(null);
  document.body.dataset.loaded = String(Date.now());
}

function wire() {
  byId("history-search").addEventListener("input", renderHistory);
  byId("forget-all").addEventListener("click", () => {
    byId("forget-confirm").hidden = false;
  });
  byId("forget-no").addEventListener("click", () => {
    byId("forget-confirm").hidden = true;
  });
  byId("forget-yes").addEventListener("click", () => change(async (backend) => {
    await backend.forgetEverything();
    byId("forget-confirm").hidden = true;
  }));
  byId("export-json").addEventListener("click", () => change(async (backend) =>
    download("readnext-export.json", "application/json", JSON.stringify(await backend.exportAll(), null, 2))));
  byId("export-bib").addEventListener("click", () => change(async (backend) =>
    download("readnext.bib", "application/x-bibtex", await backend.exportBibtex())));
  byId("import-file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) change((backend) => importFile(backend, file)).finally(() => { event.target.value = ""; });
  });
  byId("paused").addEventListener("change", (event) => saveSettings({ paused: event.target.checked }).catch(showProblem));
}

async function init() {
  wire();
  byId("paused").checked = (await loadSettings()).paused;
  await load();
}

init().catch(showProblem);
