// The outbox: content scripts hand captured events to the service worker through storage.local instead of a
// message. A write to storage is handled by the browser itself, so it lands even when the page is being closed
// and the worker is stopped (a message sent from `pagehide` to a stopped worker is lost); the write then wakes the
// worker (storage.onChanged), which moves the events into its queue.
import { storage } from "./browser-api.js";

export const OUTBOX_PREFIX = "outbox:";

export const isOutboxKey = (key) => key.startsWith(OUTBOX_PREFIX);

/** Puts events made on a page into the outbox, under a key of their own (no read-modify-write race). */
export function postToOutbox(events) {
  return events.length ? storage.set({ [`${OUTBOX_PREFIX}${events[0].id}`]: events }) : Promise.resolve();
}
