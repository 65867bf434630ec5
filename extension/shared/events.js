// Events as the backend records them. The id is made where the event is made, so a retried message or a replayed
// queue can never count it twice.
export function newEvent(type, fields) {
  return { id: crypto.randomUUID(), type, ts: Date.now(), ...fields };
}
