// User settings in storage.local. The pairing token lives under its own key so that pages of the extension that
// only need the public settings never handle it.
import { storage } from "./browser-api.js";

export const DEFAULT_BACKEND = "http://127.0.0.1:8765";

export const DEFAULT_SETTINGS = Object.freeze({
  backend: DEFAULT_BACKEND,
  paused: false,
  capture: Object.freeze({ arxiv: true, scholar: true }),
  minVisibleSeconds: 10,
  sidebarCollapsed: null, // null: by the window's width (collapsed where it is narrow); true / false: the user's choice
});

export async function loadSettings() {
  const { settings = {} } = await storage.get("settings");
  return { ...DEFAULT_SETTINGS, ...settings, capture: { ...DEFAULT_SETTINGS.capture, ...settings.capture } };
}

export async function saveSettings(changes) {
  const settings = { ...(await loadSettings()), ...changes };
  await storage.set({ settings });
  return settings;
}

export async function loadToken() {
  const { token = "" } = await storage.get("token");
  return token;
}

export const saveToken = (token) => storage.set({ token: token.trim() });

/** The backend address, normalised; it must be http://127.0.0.1:<port> because that is the only host the
 * extension may reach (its host permission), and the backend binds nothing else. */
export function normaliseBackend(address) {
  let url;
  try {
    url = new URL(address.trim());
  } catch {
    throw new Error(`'${address}' is not an address; expected http://127.0.0.1:<port>`);
  }
  if (url.protocol !== "http:" || url.hostname !== "127.0.0.1") {
    throw new Error(`the backend must be at http://127.0.0.1:<port>, not ${url.origin}`);
  }
  return url.origin;
}

/** Whether capture is on for `site` ("arxiv" or "scholar"). */
export const captureAllowed = (settings, site) => !settings.paused && settings.capture[site] !== false;

/** The commands that start the backend the extension is set to: its port named unless it is the default, since
 * a plain `readnext serve` starts an empty backend on the default port, which this extension does not ask. */
export function startCommands(backend = DEFAULT_BACKEND) {
  const port = backend === DEFAULT_BACKEND ? "" : ` --port ${new URL(backend).port || "80"}`;
  return { serve: `readnext serve${port}`, service: `readnext service install${port}` };
}
