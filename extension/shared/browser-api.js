// The one thin wrapper around the WebExtension APIs. Firefox exposes `browser`, Chromium `chrome`; in Manifest V3
// both return promises, except onMessage, whose listener must answer through sendResponse in Chromium.
const api = globalThis.browser ?? globalThis.chrome;

export const runtime = {
  id: () => api.runtime.id,
  url: (path) => api.runtime.getURL(path),
  send: (message) => api.runtime.sendMessage(message),
  openOptions: () => api.runtime.openOptionsPage(),
  /** `handle(message, sender)` returns a promise of the answer; a rejection becomes an `internal` error answer. */
  onMessage(handle) {
    api.runtime.onMessage.addListener((message, sender, sendResponse) => {
      handle(message, sender).then(sendResponse, (error) => {
        console.error("ReadNext: message handler failed", error);
        sendResponse({ ok: false, error: { code: "internal", message: String(error?.message ?? error) } });
      });
      return true; // the answer comes later
    });
  },
  onStartup: (listener) => api.runtime.onStartup.addListener(listener),
  onInstalled: (listener) => api.runtime.onInstalled.addListener(listener),
  /** The manifest's host permissions: the sites read and the backend's address. */
  hostOrigins: () => api.runtime.getManifest().host_permissions ?? [],
};

export const permissions = {
  /** Those of `origins` that the browser does not grant now (Firefox lets users withdraw any of them). */
  async missing(origins) {
    const granted = await Promise.all(origins.map((origin) => api.permissions.contains({ origins: [origin] })));
    return origins.filter((_, index) => !granted[index]);
  },
  /** Asks the user; call it straight from a click handler, as browsers require. */
  request: (origins) => api.permissions.request({ origins }),
};

export const tabs = {
  open: (url) => api.tabs.create({ url }),
};

export const storage = {
  get: (keys) => api.storage.local.get(keys),
  set: (values) => api.storage.local.set(values),
  remove: (keys) => api.storage.local.remove(keys),
  /** Calls `listener(changes)` for changes to storage.local only. */
  onChanged(listener) {
    api.storage.onChanged.addListener((changes, area) => {
      if (area === "local") listener(changes);
    });
  },
};

/** Web Locks serialise read-modify-write cycles on storage between concurrent handlers of the worker. Where an
 * engine lacks them (older Firefox), work runs unserialised: the backend's event ids still prevent double counting. */
export function withLock(name, work) {
  return globalThis.navigator?.locks ? navigator.locks.request(name, work) : work();
}
