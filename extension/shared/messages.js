// Message types between the content scripts, the extension pages and the service worker.
export const MSG = Object.freeze({
  FEEDBACK: "feedback", // {events}: save/unsave/dismiss/hide from sidebar cards, authored/unauthored from "This is me"
  RECOMMEND: "recommend", // {context, k, exclude}
  SCORE: "score", // {papers, context}
  STATUS: "status", // backend status, pairing, queue and delivery counts
  OPEN_OPTIONS: "open-options", // content scripts cannot open the options page themselves
  BACKFILL: "backfill", // {categories, since, confirm}: what a backfill sends, or start it (options page only)
  BACKFILL_STATUS: "backfill-status", // the last backfill, suggested categories, background embedding
  PAIR_START: "pair-start", // options page: start pairing, answers the code to confirm in the terminal
  PAIR_CHECK: "pair-check", // options page: whether the terminal confirmed (then the worker saved the token)
  OPEN_YOURS: "open-yours", // content scripts cannot open the Your ReadNext page either
  FOLLOW: "follow", // {fetch}: options page: change what is followed (PUT /settings); {} only reads the settings
  NEW_FOR_YOU: "new-for-you", // {k}: the next page of unseen papers of the followed categories (New for you page)
});

/** Error codes of failed answers that the surfaces explain to the user. */
export const ERR = Object.freeze({
  OFFLINE: "offline", // backend not running
  TIMEOUT: "timeout", // it runs but did not answer in time
  NOT_PAIRED: "not_paired", // no token in the options
  UNAUTHORIZED: "unauthorized", // token does not match the backend's
  INCOGNITO: "incognito",
  BAD_SENDER: "bad_sender",
});
