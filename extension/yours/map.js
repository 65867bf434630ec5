// The map of the reading: the backend's 2-D projection (GET /map) drawn as SVG, one dot per paper, coloured by
// interest, its title on hover. Built with createElementNS; titles only ever go into text nodes.
const SVG = "http://www.w3.org/2000/svg";
export const COLOURS = ["#4338ca", "#d97706", "#059669", "#db2777", "#0284c7", "#7c3aed"];
const NO_INTEREST = "#9ca3af";
const WIDTH = 900;
const HEIGHT = 440;
const PAD = 24;

const svg = (doc, tag, attributes = {}) => {
  const node = doc.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
};

export const colourOf = (interest) => (interest === null || interest === undefined ? NO_INTEREST : COLOURS[interest % COLOURS.length]);

/** The map's SVG for `answer` ({interests, points}); `onFocus(point | null)` as the pointer moves over dots. */
export function drawMap(doc, answer, onFocus) {
  const root = svg(doc, "svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": "Map of your reading" });
  const x = (value) => PAD + ((value + 1) / 2) * (WIDTH - 2 * PAD);
  const y = (value) => HEIGHT - PAD - ((value + 1) / 2) * (HEIGHT - 2 * PAD);
  // recommendations first, so the papers of the history are drawn on top of them
  const points = [...answer.points].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "recommended" ? -1 : 1));
  for (const point of points) {
    const colour = colourOf(point.interest);
    const recommended = point.kind === "recommended";
    const dot = svg(doc, "circle", {
      cx: x(point.x).toFixed(1), cy: y(point.y).toFixed(1), r: recommended ? 6 : 7,
      fill: recommended ? "#fff" : colour, stroke: colour, "stroke-width": recommended ? 2.5 : 1,
      "data-paper-id": point.id, "data-kind": point.kind, "data-interest": point.interest ?? "",
    });
    const title = svg(doc, "title");
    title.textContent = recommended ? `${point.title} (recommended)` : point.title;
    dot.append(title);
    dot.addEventListener("mouseenter", () => onFocus(point));
    dot.addEventListener("mouseleave", () => onFocus(null));
    root.append(dot);
  }
  return root;
}
