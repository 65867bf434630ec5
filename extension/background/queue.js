// The offline queue: every captured event is stored in storage.local first and removed only once the backend has
// recorded it, so events made while the backend is down survive, and a worker stopped at any moment loses nothing.
// Replays are safe because each event carries its client id: the backend counts a repeat as a duplicate.
import { storage, withLock } from "../shared/browser-api.js";
import { isOutboxKey } from "../shared/outbox.js";

export const MAX_QUEUED = 2000; // about 4 MB of papers with abstracts, well inside storage.local's 10 MB
const BATCH = 200; // the backend takes 1,000 per request; 200 new papers embed in well under a minute
const QUEUE_LOCK = "readnext-queue"; // short read-modify-write cycles of the stored queue
const FLUSH_LOCK = "readnext-flush"; // one delivery at a time, so a batch is not posted twice in parallel

const readQueue = async () => (await storage.get("queue")).queue ?? [];

export async function queuedCount() {
  return (await readQueue()).length;
}

/** Adds events to the stored queue (ignoring ids already queued); over the bound, the oldest go first and are
 * counted as dropped. Call under QUEUE_LOCK. */
async function append(events) {
  const { queue = [], stats = {} } = await storage.get(["queue", "stats"]);
  const known = new Set(queue.map((event) => event.id));
  const next = queue.concat(events.filter((event) => !known.has(event.id)));
  const dropped = Math.max(0, next.length - MAX_QUEUED);
  await storage.set({ queue: next.slice(dropped), stats: { ...stats, dropped: (stats.dropped ?? 0) + dropped } });
}

export const enqueue = (events) => withLock(QUEUE_LOCK, () => append(events));

/** Moves the events content scripts left in the outbox into the queue; `accept(event)` returns the event to
 * queue (completed) or null to drop it (capture paused for its site). Under one lock, so that two drains cannot
 * both queue the same events. */
export function drainOutbox(accept) {
  return withLock(QUEUE_LOCK, async () => {
    const everything = await storage.get(null);
    const keys = Object.keys(everything).filter(isOutboxKey);
    if (!keys.length) return;
    await append(keys.flatMap((key) => everything[key]).map(accept).filter(Boolean));
    await storage.remove(keys);
  });
}

/** Removes delivered (or permanently rejected) events and adds up the backend's answer. */
function settle(ids, answer) {
  return withLock(QUEUE_LOCK, async () => {
    const { queue = [], stats = {} } = await storage.get(["queue", "stats"]);
    const rejected = answer.rejected ?? [];
    await storage.set({
      queue: queue.filter((event) => !ids.has(event.id)),
      stats: {
        ...stats,
        sent: (stats.sent ?? 0) + (answer.accepted ?? 0),
        duplicates: (stats.duplicates ?? 0) + (answer.duplicates ?? 0),
        rejected: (stats.rejected ?? 0) + rejected.length,
        lastRejection: rejected.length ? rejected[0].error : stats.lastRejection ?? "",
        lastDelivered: Date.now(),
      },
    });
  });
}

/** Posts the queue in batches until it is empty. A BackendError (backend down, not paired) leaves the rest queued
 * and propagates; events the backend rejected as invalid are dropped, since resending cannot fix them. */
export function flush(backend) {
  return withLock(FLUSH_LOCK, async () => {
    for (let batch = (await readQueue()).slice(0, BATCH); batch.length; batch = (await readQueue()).slice(0, BATCH)) {
      const answer = await backend.postEvents(batch);
      for (const rejection of answer.rejected ?? []) {
        console.warn(`ReadNext: the backend rejected event ${rejection.id}: ${rejection.error}`);
      }
      await settle(new Set(batch.map((event) => event.id)), answer);
    }
  });
}
