// The offline queue: every captured event is stored in storage.local first and removed only once the backend has
// recorded it, so events made while the backend is down survive, and a worker stopped at any moment loses nothing.
// Replays are safe because each event carries its client id: the backend counts a repeat as a duplicate.
import { storage, withLock } from "../shared/browser-api.js";
import { isOutboxKey } from "../shared/outbox.js";
import { BackendError } from "./backend.js";

export const MAX_QUEUED = 2000; // about 4 MB of papers with abstracts, well inside storage.local's 10 MB
const BATCH = 200; // the backend takes 1,000 per request; 200 new papers embed in well under a minute
// The backend takes requests of up to 2 MiB (docs/api.md); 200 impressions with long abstracts pass that, so a
// batch also stops at this many bytes of JSON, with room for the envelope. A 413 still splits the batch (a backend
// with a lower limit), down to one event, which is then dropped and counted: resending cannot make it fit.
export const BATCH_BYTES = 1_000_000;
const encoder = new TextEncoder();
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

/** Removes delivered (or permanently rejected) events and adds up the backend's answer; `tooLarge`: events
 * dropped because the backend refused each of them alone as too large (counted among the rejected too). */
function settle(ids, answer, tooLarge = 0) {
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
        tooLarge: (stats.tooLarge ?? 0) + tooLarge,
        lastRejection: rejected.length ? rejected[0].error : stats.lastRejection ?? "",
        lastDelivered: Date.now(),
      },
    });
  });
}

/** The events at the head of the queue that make one request: at most `count` of them and BATCH_BYTES of JSON
 * (the first one whatever its size: the backend says whether it takes it). */
function nextBatch(queue, count) {
  const batch = [];
  let bytes = 0;
  for (const event of queue.slice(0, count)) {
    bytes += encoder.encode(JSON.stringify(event)).length + 1;
    if (batch.length && bytes > BATCH_BYTES) break;
    batch.push(event);
  }
  return batch;
}

const tooLarge = (error) => error instanceof BackendError && error.status === 413;

/** Posts the queue in batches until it is empty. A BackendError (backend down, not paired) leaves the rest queued
 * and propagates; events the backend rejected as invalid are dropped, since resending cannot fix them. A batch
 * refused as too large is sent again in halves (for the rest of this flush), and an event refused alone is dropped
 * and counted. */
export function flush(backend) {
  return withLock(FLUSH_LOCK, async () => {
    let count = BATCH;
    for (let batch = nextBatch(await readQueue(), count); batch.length; batch = nextBatch(await readQueue(), count)) {
      const ids = new Set(batch.map((event) => event.id));
      let answer;
      try {
        answer = await backend.postEvents(batch);
      } catch (error) {
        if (!tooLarge(error)) throw error;
        if (batch.length > 1) {
          count = Math.ceil(batch.length / 2);
          continue;
        }
        console.warn(`ReadNext: event ${batch[0].id} is too large for the backend and was dropped: ${error.message}`);
        await settle(ids, { rejected: [{ id: batch[0].id, error: error.message }] }, 1);
        continue;
      }
      for (const rejection of answer.rejected ?? []) {
        console.warn(`ReadNext: the backend rejected event ${rejection.id}: ${rejection.error}`);
      }
      await settle(ids, answer);
    }
  });
}
