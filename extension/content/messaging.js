// Asking the service worker. Every answer is {ok: true, ...} or {ok: false, error: {code, message}}.
import { runtime } from "../shared/browser-api.js";

export class Problem extends Error {
  constructor({ code = "error", message = "" } = {}) {
    super(message || code);
    this.name = "Problem";
    this.code = code;
  }
}

/** The worker's answer, or a Problem carrying its error code. */
export async function ask(message) {
  let answer;
  try {
    answer = await runtime.send(message);
  } catch (error) {
    // The extension was reloaded or updated under this page: its old content script can no longer reach it.
    throw new Problem({ code: "error", message: `ReadNext cannot reach its service worker (${error.message}); reload the page` });
  }
  if (!answer?.ok) throw new Problem(answer?.error ?? { message: "no answer from the service worker" });
  return answer;
}
