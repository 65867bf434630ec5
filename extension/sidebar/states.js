// What the sidebar says when it has no cards to show, by state. Each line is text or {command} (shown as code).
export const STATES = {
  offline: {
    title: "The ReadNext backend is not running",
    lines: ["Start it in a terminal:", { command: "readnext serve" }, "This panel checks again every few seconds."],
    action: "retry",
  },
  not_paired: {
    title: "Pair ReadNext with your backend",
    lines: ["Print the pairing token in a terminal:", { command: "readnext pair" }, "then paste it in ReadNext's options."],
    action: "options",
  },
  unauthorized: {
    title: "The pairing token does not match",
    lines: ["The backend refused the token in the options. Print the current one:", { command: "readnext pair" },
      "and paste it in ReadNext's options."],
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
