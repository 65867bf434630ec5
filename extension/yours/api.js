// The Your ReadNext page's requests to the backend (docs/api.md). An extension page may reach 127.0.0.1 itself
// (the host permission); it reads the address and the token from the settings for each request.
import { loadSettings, loadToken } from "../shared/settings.js";

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

/** `as`: "json" (the default) or "text" for what the answer is read as. */
export async function api(method, path, body = undefined, { as = "json" } = {}) {
  const [settings, token] = await Promise.all([loadSettings(), loadToken()]);
  if (!token) throw new ApiError("not_paired", "Not paired: click Pair in the extension's options.");
  let response;
  try {
    response = await fetch(`${settings.backend}/api/v1/${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new ApiError("offline", `No backend at ${settings.backend}: start it with \`readnext serve\`.`);
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(data?.error?.code ?? `http_${response.status}`, data?.error?.message ?? `HTTP ${response.status} from ${path}`);
  }
  return as === "text" ? response.text() : response.json();
}
