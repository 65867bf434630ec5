// The one message router: a table from message type to handler and the senders it accepts. Handlers read all they
// need from storage on every call, because the worker may be stopped between any two messages.
import { runtime, storage, tabs } from "../shared/browser-api.js";
import { ERR, MSG } from "../shared/messages.js";
import { captureAllowed, loadSettings, loadToken } from "../shared/settings.js";
import { BackendError, backendClient, currentBackend } from "./backend.js";
import { checkPairing, startPairing } from "./pairing.js";
import { drainOutbox, enqueue, flush, queuedCount } from "./queue.js";

const CAPTURED_TYPES = new Set(["view", "impression", "search", "pdf", "click", "shown"]);
const FEEDBACK_TYPES = new Set(["save", "unsave", "dismiss", "hide", "authored", "unauthored"]);
const SITES = { "arxiv.org": "arxiv", "scholar.google.com": "scholar" };

/** "arxiv" or "scholar" for a page on those sites over https, else "". */
function siteOf(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" ? SITES[parsed.hostname] ?? "" : "";
  } catch {
    return "";
  }
}

/** An event from the outbox, completed with its site, or null when it may not be recorded: a type content scripts
 * do not make, a page not on arXiv or Scholar, or capture paused for that site. */
function accepter(settings) {
  return (event) => {
    const site = siteOf(event?.url);
    const ok = typeof event?.id === "string" && CAPTURED_TYPES.has(event.type) && captureAllowed(settings, site);
    return ok ? { ...event, site } : null;
  };
}

/** Moves the outbox into the queue and delivers the queue if it can; the answer says whether it could, and why
 * not. Every handler that talks to the backend calls it first, so what was just read shapes the answer. */
export async function deliverQueued() {
  await drainOutbox(accepter(await loadSettings()));
  try {
    await flush(await currentBackend());
    return { delivered: true, queued: await queuedCount() };
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    return { delivered: false, reason: error.code, queued: await queuedCount() };
  }
}

/** Thumbs up / down / hide and "This is me": explicit choices, kept even while capture is paused. */
async function feedback({ events }, sender) {
  const valid = Array.isArray(events) && events.length > 0
    && events.every((event) => typeof event?.id === "string" && FEEDBACK_TYPES.has(event.type));
  if (!valid) throw new BackendError("bad_request", `feedback takes events of type ${[...FEEDBACK_TYPES].join(", ")}`);
  await enqueue(events.map((event) => ({ ...event, site: siteOf(sender.url) })));
  return deliverQueued();
}

async function recommend({ context = {}, k = 10, exclude = [] }) {
  await deliverQueued();
  return (await currentBackend()).recommend({ context, k, exclude });
}

async function score({ papers, context = {} }) {
  await deliverQueued();
  return (await currentBackend()).score({ papers, context });
}

/** For the popup and the options page: the backend's own status (or why there is none), pairing, the queue. */
async function status() {
  const [settings, token] = await Promise.all([loadSettings(), loadToken()]);
  const backend = backendClient({ base: settings.backend, token });
  let server = null;
  let problem = null;
  try {
    server = await backend.status();
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    problem = { code: error.code, message: error.message };
  }
  const delivery = server && token ? await deliverQueued() : { queued: await queuedCount() };
  const { stats = {} } = await storage.get("stats"); // read after that delivery, so that it is counted
  return { backend: settings.backend, server, problem, paired: Boolean(token), paused: settings.paused, stats, ...delivery };
}

/** Only the options page asks: `confirm` false shows what would be sent, true starts the harvest. */
async function backfill({ categories, since, confirm }) {
  return (await currentBackend()).backfill({ categories, since, confirm: confirm === true });
}

async function backfillStatus() {
  return (await currentBackend()).backfillStatus();
}

/** The New for you page: the next k unseen papers of the followed categories (answering marks them seen). */
async function newForYou({ k = 10 }) {
  await deliverQueued();
  return (await currentBackend()).newForYou({ k });
}

/** The options page's Follow arXiv section: the settings with the exact requests they make, changed when asked. */
async function follow({ fetch }) {
  const backend = await currentBackend();
  return fetch ? backend.changeSettings({ fetch }) : backend.settings();
}

async function openOptions() {
  await runtime.openOptions();
  return {};
}

async function openYours() {
  await tabs.open(runtime.url("extension/yours/yours.html"));
  return {};
}

const HANDLERS = {
  [MSG.FEEDBACK]: { from: "page", handle: feedback },
  [MSG.RECOMMEND]: { from: "page", handle: recommend },
  [MSG.SCORE]: { from: "page", handle: score },
  [MSG.STATUS]: { from: "any", handle: status },
  [MSG.OPEN_OPTIONS]: { from: "page", handle: openOptions },
  [MSG.BACKFILL]: { from: "extension", handle: backfill },
  [MSG.BACKFILL_STATUS]: { from: "extension", handle: backfillStatus },
  [MSG.PAIR_START]: { from: "extension", handle: startPairing },
  [MSG.PAIR_CHECK]: { from: "extension", handle: checkPairing },
  [MSG.OPEN_YOURS]: { from: "page", handle: openYours },
  [MSG.NEW_FOR_YOU]: { from: "extension", handle: newForYou },
  [MSG.FOLLOW]: { from: "extension", handle: follow },
};

/** Why `sender` may not send a message meant for `from` ("page": our content scripts on the two sites;
 * "extension": the extension's own pages; "any": either), or "" when it may. */
function senderProblem(sender, from) {
  if (sender.id !== runtime.id()) return "not sent by this extension";
  const fromPage = Boolean(sender.tab) && Boolean(siteOf(sender.url));
  const fromExtension = String(sender.url ?? "").startsWith(runtime.url(""));
  if ({ page: fromPage, extension: fromExtension, any: fromPage || fromExtension }[from]) return "";
  return `messages of this type are not accepted from ${sender.url}`;
}

export async function route(message, sender) {
  const entry = HANDLERS[message?.type];
  if (!entry) return { ok: false, error: { code: "bad_request", message: `unknown message type '${message?.type}'` } };
  const problem = senderProblem(sender, entry.from);
  if (problem) return { ok: false, error: { code: ERR.BAD_SENDER, message: problem } };
  if (sender.tab?.incognito) return { ok: false, error: { code: ERR.INCOGNITO, message: "incognito windows are never captured" } };
  try {
    return { ok: true, ...(await entry.handle(message, sender)) };
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    return { ok: false, error: { code: error.code, message: error.message } };
  }
}
