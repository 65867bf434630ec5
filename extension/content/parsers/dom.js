// Small DOM readers the parsers share. Each returns an empty value for a missing node, so a page whose markup
// changed yields fewer fields instead of an exception.
import { clean } from "../../shared/paper.js";

export const text = (node) => clean(node?.textContent);

/** Text of `node` without its descendants that match `skip` (type tags such as "[PDF]", "Title:" labels). */
export function textWithout(node, skip) {
  if (!node) return "";
  const skipped = (element) => {
    for (let current = element; current && current !== node; current = current.parentElement) {
      if (current.matches(skip)) return true;
    }
    return false;
  };
  const parts = [];
  const walker = node.ownerDocument.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let current = walker.nextNode(); current; current = walker.nextNode()) {
    if (!skipped(current.parentElement)) parts.push(current.nodeValue);
  }
  return clean(parts.join(""));
}

export const texts = (root, selector) => [...(root?.querySelectorAll(selector) ?? [])].map(text).filter(Boolean);

export const meta = (doc, name) => clean(doc.querySelector(`meta[name="${name}"]`)?.getAttribute("content"));

export const metas = (doc, name) =>
  [...doc.querySelectorAll(`meta[name="${name}"]`)].map((node) => clean(node.getAttribute("content"))).filter(Boolean);

/** An attribute resolved to an absolute URL against the page, or "". */
export function href(node, base) {
  const value = node?.getAttribute("href");
  if (!value || value.startsWith("javascript:")) return "";
  try {
    return new URL(value, base).href;
  } catch {
    return "";
  }
}

/** arXiv category codes in text such as "Machine Learning (cs.LG); Artificial Intelligence (cs.AI)". */
export const categoriesIn = (value) => [...String(value ?? "").matchAll(/\(([a-z][a-z-]*(?:\.[A-Za-z-]+)?)\)/g)].map((m) => m[1]);

/** A whole number in text such as "Cited by 1,234", or null. */
export function countIn(value) {
  const match = /(\d[\d,.]*)/.exec(String(value ?? ""));
  return match ? Number(match[1].replace(/[,.]/g, "")) : null;
}
