// The content script: parse the page (parsers/index.js), then do what that kind of page calls for (SURFACES).
import { newEvent } from "../shared/events.js";
import { MSG } from "../shared/messages.js";
import { captureAllowed, loadSettings, saveSettings, startCommands } from "../shared/settings.js";
import { sendEvents, trackVisibleTime, watchPdfLinks } from "./capture.js";
import { markEntries } from "./marks.js";
import { ask } from "./messaging.js";
import { openPanel } from "./panel.js";
import { parsePage } from "./parsers/index.js";
import { showProfileLine } from "./profile-line.js";
import { addSortSwitch, sortable } from "./sort.js";

const RECOMMENDATIONS = 10;
const PAGE_LIMIT = 500; // the backend scores at most 500 papers per request; a longer page is cut there
const report = (error) => console.error("ReadNext:", error);

/** Recommendations from the wider corpus, none of the papers in `exclude` (the page's own, which the backend
 * leaves out, so the list still holds RECOMMENDATIONS); null when there is no history yet. */
async function recommendations(context, exclude = new Set()) {
  const answer = await ask({ type: MSG.RECOMMEND, context, k: RECOMMENDATIONS, exclude: [...exclude] });
  if (answer.mode === "empty") return null;
  return {
    note: answer.mode === "context" ? answer.note : "",
    items: answer.items.filter((item) => !exclude.has(item.paper.id)),
  };
}

function abstractPage(page, { doc, win, settings }) {
  const { paper } = page;
  if (captureAllowed(settings, page.site)) {
    const url = win.location.href;
    trackVisibleTime(doc, win, settings.minVisibleSeconds, (seconds) =>
      sendEvents([newEvent("view", { paper, seconds, url })]).catch(report));
    watchPdfLinks(doc, paper.id, () => sendEvents([newEvent("pdf", { paper, url })]).catch(report));
  }
  openPanel(doc, win, { settings, site: page.site }).load(async () => {
    const more = await recommendations({ paper });
    return more && [{
      key: "related", title: "Recommended next, for you", note: more.note, items: more.items,
      empty: "Nothing to recommend beside this paper yet.",
    }];
  });
}

/** arXiv listings and search results, Scholar results: record what was shown, rank it, mark the best in place. */
function listPage(page, { doc, win, settings }) {
  const entries = page.entries.filter((entry) => entry.paper.title).slice(0, PAGE_LIMIT);
  const papers = entries.map((entry) => entry.paper);
  const context = page.query ? { query: page.query } : {};
  const captured = captureAllowed(settings, page.site)
    ? sendEvents([
      ...(page.query ? [newEvent("search", { query: page.query, url: win.location.href })] : []),
      ...papers.map((paper) => newEvent("impression", { paper, url: win.location.href })),
    ]).catch(report)
    : Promise.resolve();
  openPanel(doc, win, { settings, site: page.site }).load(async () => {
    await captured;
    const scored = papers.length ? await ask({ type: MSG.SCORE, papers, context }) : null;
    const picks = scored ? markEntries(doc, entries, scored) : [];
    if (scored && sortable(win.location)) {
      addSortSwitch(doc, entries, scored, {
        sorted: settings.sortListings === true,
        onChange: (sorted) => saveSettings({ sortListings: sorted }).catch(report),
      });
    }
    const more = await recommendations(context, new Set(papers.map((paper) => paper.id)));
    if (!more && !picks.length) return null;
    return [
      { key: "page", title: "On this page, for you", items: picks, empty: "Nothing on this page is close to what you read." },
      { key: "more", title: "More for you", note: more?.note ?? "", items: more?.items ?? [], empty: "No other papers yet." },
    ];
  });
}

/** A Scholar profile: one line in the page, not the sidebar. The user's own profile says so (with undo); any
 * other offers "This is me" until accepted or dismissed. */
function profilePage(page, { doc, win, settings }) {
  const papers = page.entries.map((entry) => entry.paper);
  if (!papers.length || settings.profiles?.[page.user] === "dismissed") return;
  const remember = async (choice) => {
    const profiles = { ...(await loadSettings()).profiles };
    if (choice) profiles[page.user] = choice;
    else delete profiles[page.user];
    await saveSettings({ profiles });
  };
  const record = async (type) => {
    const answer = await ask({ type: MSG.FEEDBACK, events: papers.map((paper) => newEvent(type, { paper, url: win.location.href })) });
    return answer.delivered ? "" : `Kept: they reach the backend once it runs (${startCommands(settings.backend).serve}) and is paired.`;
  };
  showProfileLine(doc, {
    state: settings.profiles?.[page.user] === "mine" ? "yours" : "offer",
    author: page.author,
    count: papers.length,
    onAccept: async () => {
      const pending = await record("authored");
      await remember("mine");
      return pending;
    },
    onUndo: async () => {
      const pending = await record("unauthored");
      await remember(null);
      return pending;
    },
    onDismiss: () => remember("dismissed").catch(report),
    onError: report,
  });
}

const SURFACES = {
  "arxiv-abstract": abstractPage,
  "arxiv-listing": listPage,
  "arxiv-search": listPage,
  "scholar-results": listPage,
  "scholar-profile": profilePage,
  "scholar-captcha": () => {}, // Scholar is asking for a human check: ReadNext stays out of the way
};

export async function start(doc, location) {
  const page = parsePage(doc, location.href);
  if (!page) return;
  SURFACES[page.kind](page, { doc, win: doc.defaultView, settings: await loadSettings() });
}
