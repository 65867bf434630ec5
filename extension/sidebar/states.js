// What the sidebar says when it has no cards to show, by state. Each line is text or {command} (shown as code);
// `lines` may be a function of what the extension is set to ({backend}).
import { DEFAULT_BACKEND, startCommands } from "../shared/settings.js";

export const STATES = {
  offline: {
    title: "The ReadNext backend is not running",
    lines: ({ backend }) => [
      `Start it in a terminal (it serves at ${backend ?? DEFAULT_BACKEND}):`, { command: startCommands(backend).serve },
      "Or have it start with your session from now on:", { command: startCommands(backend).service },
      "This panel checks again every few seconds.",
    ],
    action: "retry",
  },
  not_paired: {
    title: "Pair ReadNext with your backend",
    lines: ["Click Pair in ReadNext's options, then confirm the code it shows in a terminal:", { command: "readnext pair" }],
    action: "options",
  },
  unauthorized: {
    title: "The pairing token does not match",
    lines: ["The backend refused the extension's token. Click Pair in ReadNext's options again, then confirm the code:",
      { command: "readnext pair" }],
    action: "options",
  },
  cold: {
    title: "No reading history yet",
    lines: [
      "ReadNext learns from the papers you read here. Open a few arXiv abstracts, or start from your own work:",
      "on your Google Scholar profile, choose “This is me”.",
      "Or import papers you know:",
      { command: "readnext import papers.jsonl" },
    ],
  },
  error: { title: "Something went wrong", lines: [], action: "retry" },
};
