// The extension's service worker. Listeners are registered at the top level, synchronously, so that a worker woken
// by an event (after being stopped) receives it; everything else lives in storage.
import { permissions, runtime, storage } from "../shared/browser-api.js";
import { isOutboxKey } from "../shared/outbox.js";
import { deliverQueued, route } from "./router.js";

const deliver = () => deliverQueued().catch((error) => console.error("ReadNext: delivery failed", error));

runtime.onMessage(route);

// A content script put events in the outbox: this wakes a stopped worker, which queues and delivers them.
storage.onChanged((changes) => {
  if (Object.entries(changes).some(([key, change]) => isOutboxKey(key) && change.newValue)) deliver();
});

// Events queued before the browser closed are delivered when it starts again, if the backend is up by then.
runtime.onStartup(deliver);
runtime.onInstalled(deliver);

// Firefox before 127 installed Manifest V3 extensions without their host permissions: without them nothing is
// captured. The options page asks for them; open it at first run when they are missing.
async function askForMissingAccess() {
  if ((await permissions.missing(runtime.hostOrigins())).length) await runtime.openOptions();
}
runtime.onInstalled(() => askForMissingAccess().catch((error) => console.error("ReadNext: access check failed", error)));
