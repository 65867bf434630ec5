// Inline SVG icons built with createElementNS. Thumbs and eye-off paths from Feather Icons (MIT licence,
// https://feathericons.com); the logo is ReadNext's own (extension/icons/make_icons.py draws the same shape).
const SVG = "http://www.w3.org/2000/svg";

const PATHS = {
  thumbsUp: ["M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"],
  thumbsDown: ["M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"],
  eyeOff: [
    "M17.94 17.94A10.07 10.07 0 0 1 12 20c-7 0-11-8-11-8a18.45 18.45 0 0 1 5.06-5.94M9.9 4.24A9.12 9.12 0 0 1 12 4c7 0 11 8 11 8a18.5 18.5 0 0 1-2.16 3.19m-6.72-1.07a3 3 0 1 1-4.24-4.24",
    "M1 1l22 22",
  ],
  chevronRight: ["M9 18l6-6-6-6"],
  chevronLeft: ["M15 18l-6-6 6-6"],
};

function svg(doc, attributes) {
  const element = doc.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({ "aria-hidden": "true", focusable: "false", ...attributes })) {
    element.setAttribute(name, value);
  }
  return element;
}

function child(doc, parent, tag, attributes) {
  const element = doc.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  parent.append(element);
  return element;
}

/** A stroked 24×24 icon by name. */
export function icon(doc, name) {
  const element = svg(doc, {
    viewBox: "0 0 24 24", width: "16", height: "16", fill: "none", stroke: "currentColor",
    "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round", class: "icon",
  });
  for (const d of PATHS[name]) child(doc, element, "path", { d });
  return element;
}

/** The ReadNext mark: an indigo rounded square, a white page and an amber "next" chevron. */
export function logo(doc, size = 22) {
  const element = svg(doc, { viewBox: "0 0 100 100", width: String(size), height: String(size), class: "logo" });
  child(doc, element, "rect", { x: "0", y: "0", width: "100", height: "100", rx: "22", fill: "#4338ca" });
  child(doc, element, "path", { d: "M24 20h26l12 12v48H24z", fill: "#fff" });
  for (const y of [42, 53, 64]) child(doc, element, "rect", { x: "30", y: String(y - 2.5), width: "22", height: "5", rx: "2", fill: "#4338ca" });
  child(doc, element, "path", {
    d: "M66 30l18 20-18 20", fill: "none", stroke: "#fbbf24", "stroke-width": "12", "stroke-linecap": "round", "stroke-linejoin": "round",
  });
  return element;
}
