// Building DOM from data. Text from pages and from the backend only ever goes through textContent and
// setAttribute here, never through HTML parsing, so a title such as "<img src=x onerror=...>" stays text.

/** el(doc, "a", {class: "title", text: paper.title, href: url}, child, ...) */
export function el(doc, tag, props = {}, ...children) {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}
