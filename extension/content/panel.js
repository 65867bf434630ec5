// The sidebar's controller on a page: runs a loader that asks the service worker for sections of cards, shows the
// state that explains a failure, retries while the backend is down, and sends the cards' actions.
import { newEvent } from "../shared/events.js";
import { ERR, MSG } from "../shared/messages.js";
import { captureAllowed, saveSettings } from "../shared/settings.js";
import { mountSidebar } from "../sidebar/sidebar.js";
import { sendEvents } from "./capture.js";
import { ask, Problem } from "./messaging.js";

const OFFLINE_RETRY_MS = 5000;
// Below this a first visit starts as the tab: 964 px (Scholar's pages keep at least that much) + 364 (the panel's
// room) + a scrollbar. Once the user opened or collapsed it, their choice stands, except that the sidebar itself
// collapses to the tab wherever the page does not fit beside it (sidebar.js).
const MIN_WINDOW_FOR_PANEL = 1344;
const EXPLAINED = new Set([ERR.OFFLINE, ERR.NOT_PAIRED, ERR.UNAUTHORIZED]); // states that say what to do

/** What each section of the sidebar showed, in order: what the ranking learns from, with what was opened. */
function shownEvents(sections, url) {
  return sections.filter((section) => section.items.length)
    .map((section) => newEvent("shown", { paper_ids: section.items.map((item) => item.paper.id), url }));
}

/** What the sidebar says while this page is not recorded, or "" while it is. */
function captureNotice(settings, site) {
  if (settings.paused) return "Capture is paused: the pages you open are not recorded. Resume it from the toolbar button.";
  return captureAllowed(settings, site) ? "" : "Capture is off for this site in ReadNext's options: this page is not recorded.";
}

/** A loader resolves to sections for the sidebar ([{key, title, note, items, empty}]), or null for "no history". */
export function openPanel(doc, win, { settings, site }) {
  let loader = null;
  let retryTimer = null;

  const report = (error) => console.error("ReadNext:", error);
  const view = mountSidebar(doc, {
    collapsed: settings.sidebarCollapsed ?? win.innerWidth < MIN_WINDOW_FOR_PANEL,
    notice: captureNotice(settings, site),
    onCollapse: (collapsed) => saveSettings({ sidebarCollapsed: collapsed }).catch(report),
    onRetry: () => run(),
    onOpenOptions: () => ask({ type: MSG.OPEN_OPTIONS }).catch(report),
    onOpenYours: () => ask({ type: MSG.OPEN_YOURS }).catch(report),
    onAction: (action, paper) => {
      const event = newEvent(action, { paper, url: win.location.href });
      ask({ type: MSG.FEEDBACK, events: [event] }).catch(report);
    },
    onOpen: (paper) => {
      if (captureAllowed(settings, site)) sendEvents([newEvent("click", { paper, url: win.location.href })]).catch(report);
    },
  });

  /** Loads the cards; `quiet` keeps what is shown until the answer (the retries while the backend is down). */
  async function run({ quiet = false } = {}) {
    win.clearTimeout(retryTimer);
    if (!quiet) view.showLoading();
    try {
      const sections = await loader();
      if (sections) {
        view.showSections(sections);
        if (captureAllowed(settings, site)) sendEvents(shownEvents(sections, win.location.href)).catch(report);
      } else view.showState("cold");
    } catch (error) {
      const code = error instanceof Problem ? error.code : "error";
      if (!(error instanceof Problem)) report(error);
      view.showState(EXPLAINED.has(code) ? code : "error", EXPLAINED.has(code) ? "" : String(error?.message ?? error),
        { backend: settings.backend });
      // While the backend is down, look again now and then: when it is back, the queue drains and the cards appear.
      if (code === ERR.OFFLINE) retryTimer = win.setTimeout(() => run({ quiet: true }), OFFLINE_RETRY_MS);
    }
  }

  return {
    load(nextLoader) {
      loader = nextLoader;
      return run();
    },
  };
}
