// The client of the local backend (docs/api.md). Failures become BackendError with a code the surfaces explain.
import { ERR } from "../shared/messages.js";
import { loadSettings, loadToken } from "../shared/settings.js";

// /events, /score and /recommend embed the papers they have not seen first: MiniLM does 23-43 papers/s on 2 CPU
// cores (../shared/notes/measured.md), so a new listing of 150 papers takes 4-7 s. The rest answer at once.
const QUICK_MS = 10000;
const EMBEDDING_MS = 60000;

export class BackendError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.name = "BackendError";
    this.code = code;
    this.status = status;
  }
}

export function backendClient({ base, token }) {
  async function call(method, path, body, { auth = true, timeout = QUICK_MS } = {}) {
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
      if (error.name === "TimeoutError") throw new BackendError("timeout", `the backend did not answer ${path} in time`);
      throw new BackendError(ERR.OFFLINE, `no backend at ${base}: start it with \`readnext serve\``);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const code = data?.error?.code ?? `http_${response.status}`;
      throw new BackendError(code, data?.error?.message ?? `HTTP ${response.status} from ${path}`, response.status);
    }
    return data;
  }

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
  };
}

/** A client for the address and token in the settings now; made per use, since the worker keeps no state. */
export async function currentBackend() {
  const [settings, token] = await Promise.all([loadSettings(), loadToken()]);
  return backendClient({ base: settings.backend, token });
}
