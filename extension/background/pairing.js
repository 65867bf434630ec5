// Pairing without copy-paste (docs/extension.md): the worker asks the backend to start an attempt with a secret it
// makes, the user confirms the attempt's code in a terminal (`readnext pair`), and the worker collects the token
// with the secret. The attempt lives in storage.local, since the worker may be stopped while the user types.
import { storage } from "../shared/browser-api.js";
import { saveToken } from "../shared/settings.js";
import { BackendError, currentBackend } from "./backend.js";

const KEY = "pairing"; // {attempt, secret, code}

/** 32 random bytes, base64url: only this worker and the backend ever know it. */
function newSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function startPairing() {
  const secret = newSecret();
  const answer = await (await currentBackend()).pairStart(secret);
  await storage.set({ [KEY]: { attempt: answer.attempt, secret, code: answer.code } });
  return { state: "waiting", code: answer.code, expiresIn: answer.expires_in };
}

/** Where the stored attempt stands: "none", "waiting" (with its code), "expired", or "paired" (token saved). */
export async function checkPairing() {
  const { [KEY]: pairing } = await storage.get(KEY);
  if (!pairing) return { state: "none" };
  let answer;
  try {
    answer = await (await currentBackend()).pairStatus(pairing.attempt, pairing.secret);
  } catch (error) {
    if (!(error instanceof BackendError && error.status === 404)) throw error;
    await storage.remove(KEY); // expired, or the backend restarted: a new attempt is needed
    return { state: "expired" };
  }
  if (answer.state !== "paired") return { state: "waiting", code: pairing.code, expiresIn: answer.expires_in };
  await saveToken(answer.token);
  await storage.remove(KEY);
  return { state: "paired" };
}
