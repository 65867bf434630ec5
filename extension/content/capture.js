// What the content script records: the time an abstract page was actually visible, PDF clicks, and the events of
// list pages. Events get their ids here, where they are made (shared/events.js), and leave through the outbox.
import { postToOutbox } from "../shared/outbox.js";

export const sendEvents = postToOutbox;

/**
 * Calls onVisible(seconds) when the page is hidden or left after it was visible for at least minSeconds in total.
 * Time in background tabs and minimised windows does not count; a page that comes back keeps counting.
 */
export function trackVisibleTime(doc, win, minSeconds, onVisible) {
  // This script starts a moment after the page could be read: count from the document being ready.
  const ready = win.performance.getEntriesByType("navigation")[0]?.domContentLoadedEventStart ?? win.performance.now();
  let visibleSince = doc.visibilityState === "visible" ? Math.min(ready, win.performance.now()) : null;
  let unreported = 0;
  const pause = () => {
    if (visibleSince !== null) unreported += (win.performance.now() - visibleSince) / 1000;
    visibleSince = null;
  };
  // A page still visible keeps counting after a report: the navigation that beforeunload announces may be
  // cancelled, and then the reader is still on the page.
  const report = () => {
    const stillVisible = visibleSince !== null && doc.visibilityState === "visible";
    pause();
    if (unreported >= minSeconds) {
      onVisible(Math.round(unreported * 10) / 10);
      unreported = 0;
    }
    if (stillVisible) visibleSince = win.performance.now();
  };
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState === "visible") visibleSince = win.performance.now();
    else report();
  });
  // Leaving the page. Firefox drops what a content script hands the extension from pagehide when the reader follows
  // a link on the page or closes the tab (its extension context is already gone by then; the view never reached
  // storage), but not from beforeunload, which comes first, in both browsers, however the page is left. pagehide
  // stays for any way out that beforeunload misses (browsers do not promise it on every one); what one of them
  // reported, the other finds already counted.
  win.addEventListener("beforeunload", report);
  win.addEventListener("pagehide", report);
  win.addEventListener("pageshow", (event) => {
    if (event.persisted && doc.visibilityState === "visible") visibleSince = win.performance.now();
  });
}

/** Calls onPdf() when a link to the paper's PDF is followed (click or middle click). */
export function watchPdfLinks(doc, paperId, onPdf) {
  const isPdfLink = (target) => {
    const link = target?.closest?.("a[href]");
    return Boolean(link) && new URL(link.href, doc.baseURI).pathname.startsWith(`/pdf/${paperId}`);
  };
  for (const type of ["click", "auxclick"]) {
    doc.addEventListener(type, (event) => {
      if (isPdfLink(event.target)) onPdf();
    }, true);
  }
}
