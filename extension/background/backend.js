// The client of the local backend (docs/api.md). Failures become BackendError with a code the surfaces explain.
import { ERR } from "../shared/messages.js";
import { loadSettings, loadToken, startCommands } from "../shared/settings.js";

// /events, /score and /recommend embed the papers they have not seen first: MiniLM does 23-43 papers/s on 2 CPU
// cores (../shared/notes/measured.md), so a new listing of 150 papers takes 4-7 s. The rest answer at once.
const QUICK_MS = 10000;
const EMBEDDING_MS = 60000;
// An imported library file (Your ReadNext's import button) embeds all its new papers first: a few thousand papers
// take minutes at that speed.
const IMPORT_MS = 600000;

export class BackendError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.name = "BackendError";
    this.code = code;
    this.status = status;
  }
}

/** The one client of the backend, for the service worker and the Your ReadNext page (an extension page, which
 * reaches 127.0.0.1 through the host permission too): every endpoint the extension uses is a method here. */
export function backendClient({ base, token }) {
  /** `as`: what a successful answer is read as, "json" or "text". */
  async function call(method, path, body, { auth = true, timeout = QUICK_MS, as = "json" } = {}) {
    if (auth && !token) {
      throw new BackendError(ERR.NOT_PAIRED, "not paired: click Pair in the extension's options");
    }
    const headers = {};
    if (body) headers["Content-Type"] = "application/json";
    if (auth) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(`${base}/api/v1${path}`, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        cache: "no-store",
        credentials: "omit",
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      if (error.name === "TimeoutError") throw new BackendError(ERR.TIMEOUT, `the backend did not answer ${path} in time`);
      throw new BackendError(ERR.OFFLINE, `no backend at ${base}: start it with \`${startCommands(base).serve}\``);
    }
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      const code = data?.error?.code ?? `http_${response.status}`;
      throw new BackendError(code, data?.error?.message ?? `HTTP ${response.status} from ${path}`, response.status);
    }
    return as === "text" ? response.text() : response.json().catch(() => null);
  }
  const paper = (paperId) => encodeURIComponent(paperId);

  return {
    base,
    status: () => call("GET", "/status", null, { auth: false }),
    postEvents: (events) => call("POST", "/events", { events }, { timeout: EMBEDDING_MS }),
    recommend: (body) => call("POST", "/recommend", body, { timeout: EMBEDDING_MS }),
    score: (body) => call("POST", "/score", body, { timeout: EMBEDDING_MS }),
    backfill: (body) => call("POST", "/backfill", body),
    backfillStatus: () => call("GET", "/backfill"),
    pairStart: (secret) => call("POST", "/pair/start", { secret }, { auth: false }),
    pairStatus: (attempt, secret) => call("POST", "/pair/status", { attempt, secret }, { auth: false }),
    // What Your ReadNext shows and changes
    history: ({ limit = 1000 } = {}) => call("GET", `/history?limit=${limit}`),
    forgetPaper: (paperId) => call("DELETE", `/history/${paper(paperId)}`),
    forgetEverything: () => call("DELETE", "/history"),
    profile: () => call("GET", "/profile"),
    mergeInterests: (paperIds) => call("POST", "/interests/merge", { papers: paperIds }),
    removeInterest: (paperId) => call("DELETE", `/interests/${paper(paperId)}`),
    readingMap: () => call("GET", "/map", null, { timeout: EMBEDDING_MS }), // ranks the 20 recommendations it draws
    usage: () => call("GET", "/usage"),
    newForYou: ({ k = 10 } = {}) => call("GET", `/new?k=${Number(k)}`, null, { timeout: EMBEDDING_MS }),
    settings: () => call("GET", "/settings"),
    changeSettings: (body) => call("PUT", "/settings", body),
    exportAll: () => call("GET", "/export"),
    exportBibtex: () => call("GET", "/export.bib", null, { as: "text" }),
    importText: ({ format, text, as }) => call("POST", "/import/text", { format, text, as }, { timeout: IMPORT_MS }),
  };
}

/** A client for the address and token in the settings now; made per use, since the worker keeps no state and the
 * user may pair again or change the address while a page is open. */
export async function currentBackend() {
  const [settings, token] = await Promise.all([loadSettings(), loadToken()]);
  return backendClient({ base: settings.backend, token });
}
