"""What the reader sees, read from the page: the sidebar's sections and cards, the marks on the page's entries,
the line on a Scholar profile; and the reader's hands on them (a card's buttons and title, "This is me"). All of
it lives in closed Shadow DOM roots, reached through browsers.in_shadow_roots."""
from __future__ import annotations

from .browsers import in_shadow_roots, wait_until

SIDEBAR = "readnext-sidebar"
MARK = "readnext-mark"
PROFILE_LINE = "readnext-profile"

SIDEBAR_JS = """function () {
  const sections = [...this.querySelectorAll('section.section[data-section]')].map((section) => {
    const empty = section.querySelector('p.empty');
    return {
      key: section.dataset.section,
      title: section.querySelector('h2')?.textContent ?? '',
      note: section.querySelector('p.note')?.textContent ?? '',
      empty: empty && !empty.hidden ? empty.textContent : '',
      cards: [...section.querySelectorAll('article.card')].map((card) => ({
        paper_id: card.dataset.paperId,
        title: card.querySelector('.title')?.textContent ?? '',
        score: card.querySelector('.score')?.textContent ?? '',
        reasons: [...card.querySelectorAll('li.chip')].map((chip) => ({
          kind: [...chip.classList].find((name) => name.startsWith('chip-'))?.slice(5) ?? '',
          chip: chip.textContent,
          text: chip.getAttribute('title') ?? chip.textContent,
        })),
      })),
    };
  });
  const state = this.querySelector('[data-state]')?.dataset.state
    ?? (this.querySelector('.loading') ? 'loading' : sections.length ? 'cards' : '');
  return { state, sections };
}"""

MARK_JS = """function () {
  const span = this.querySelector('span');
  const entry = this.host.closest('dd, li.arxiv-result, div.gs_r');
  const link = entry?.tagName === 'DD'
    ? entry.previousElementSibling?.querySelector('a[href*="/abs/"]')
    : entry?.querySelector('.list-title a[href*="/abs/"], h3 a[href]');
  return { kind: span?.className ?? '', text: span?.textContent ?? '', hint: span?.title ?? '',
           href: link?.href ?? '' };
}"""

PROFILE_LINE_JS = """function () {
  const line = this.querySelector('[data-state]');
  return { state: line?.dataset.state ?? '', text: line?.textContent ?? '' };
}"""

PRESS_JS = """function (paperId, action) {
  const card = this.querySelector(`article.card[data-paper-id="${paperId}"]`);
  const target = action === 'open' ? card?.querySelector('a.title') : card?.querySelector(`button[data-action="${action}"]`);
  if (!target) return false;
  target.click();
  return true;
}"""

ACCEPT_JS = """function () {
  const button = this.querySelector('button[data-action="accept"]');
  if (!button) return false;
  button.click();
  return true;
}"""


def sidebar(driver) -> dict | None:
    found = in_shadow_roots(driver, SIDEBAR, SIDEBAR_JS)
    return found[0] if found else None


def settled_sidebar(driver, timeout: float = 60) -> dict:
    """The sidebar once it shows cards or a state, not its spinner."""
    return wait_until(lambda: (lambda s: s if s and s["state"] not in ("", "loading") else None)(sidebar(driver)),
                      timeout=timeout, interval=0.25, message="the sidebar to show cards or a state")


def marks(driver) -> list[dict]:
    return in_shadow_roots(driver, MARK, MARK_JS)


def profile_line(driver) -> dict | None:
    found = in_shadow_roots(driver, PROFILE_LINE, PROFILE_LINE_JS)
    return found[0] if found else None


def press(driver, paper_id: str, action: str) -> bool:
    """Clicks a card's button (save, unsave, dismiss, hide) or its title ("open")."""
    return in_shadow_roots(driver, SIDEBAR, PRESS_JS, paper_id, action)[:1] == [True]


def accept_profile(driver) -> bool:
    return in_shadow_roots(driver, PROFILE_LINE, ACCEPT_JS)[:1] == [True]
