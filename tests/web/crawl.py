"""A crawl of the web app as one user, at one screen size, in headless Chromium.

From Today it follows every same-site link breadth first (at most
``per_kind`` pages of one kind of address: ``/people/P0000001`` and
``/people/P0000002`` are one kind), and on each page checks what a reader of
that role meets:

- the answer's status (a dead link is a 4xx or 5xx) and its time to the first
  byte (over ``slow_s`` seconds is slow), and the page's console errors;
- a ``<title>`` and exactly one ``<h1>``;
- on a phone (width under 600 px): the page no wider than the screen, no table
  cut off at the screen's edge outside a scrolling box, no button, field or
  link that stands alone smaller than 24 by 24 px (WCAG 2.2, 2.5.8; a link
  inside a sentence or a table cell is excepted, as WCAG excepts it);
- every visible form field has a name a screen reader reads (a ``<label>``,
  ``aria-label``, ``aria-labelledby`` or ``title``);
- every image and chart (``img``, ``svg`` not hidden) has a text alternative;
- for a partner or the board: no raw person id (``P`` and seven digits);
- a ``<section>`` holding its heading only (an empty section, no reason said);
- each ``hx-get`` fragment of the page, fetched as htmx does; each GET form is
  sent as it is shown (its answer is crawled as a page), and a person's
  record is opened through its purpose form.

Used by ``tests/web/test_crawl.py``; run by hand (every role, a desk and a
phone, screenshots) with ``python -m benchmarks.web_crawl`` (docs/web.md).
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

PERSON_ID = re.compile(r"\bP\d{7}\b")
_KIND = re.compile(r"/(P\d{7}|[A-Z]{1,3}\d{2,}|\d+)(?=/|$)")
#: addresses the crawl does not open: sign-out, downloads, the API
_SKIP = re.compile(r"^/(logout|api/|static/|audit\.csv|docs|openapi)")

_CHECKS_JS = """(phone) => {
  const out = [];
  const vis = e => { const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = e => (e.id || e.getAttribute('name') || e.tagName.toLowerCase());
  if (!document.title.trim()) out.push('no <title>');
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) out.push(`${h1} <h1> elements`);
  if (phone) {
    const wide = document.documentElement.scrollWidth - window.innerWidth;
    if (wide > 1) out.push(`page ${wide} px wider than the phone`);
    for (const t of document.querySelectorAll('table')) {
      if (!vis(t)) continue;
      const right = t.getBoundingClientRect().right;
      let box = t.parentElement, scrolls = false;
      while (box && box !== document.body) {
        const ox = getComputedStyle(box).overflowX;
        if (ox === 'auto' || ox === 'scroll') { scrolls = true; break; }
        box = box.parentElement; }
      if (right > window.innerWidth + 1 && !scrolls)
        out.push(`table ${t.id || t.className || '?'} cut off at the edge`);
    }
    for (const e of document.querySelectorAll(
        'button, input:not([type=hidden]), select, textarea, a[href]')) {
      if (!vis(e) || e.closest('p, li, td, th, dd, figcaption, .prose')) continue;
      if (e.matches('input[type=checkbox], input[type=radio]') && e.closest('label'))
        continue;
      const r = e.getBoundingClientRect();
      if (r.width < 24 || r.height < 24)
        out.push(`tap target ${e.tagName.toLowerCase()} "${
          (e.innerText || name(e)).trim().slice(0, 30)}" ${
          Math.round(r.width)}x${Math.round(r.height)} px`);
    }
  }
  for (const e of document.querySelectorAll(
      'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')) {
    if (!vis(e)) continue;
    const labelled = (e.labels && e.labels.length) || e.getAttribute('aria-label')
      || e.getAttribute('aria-labelledby') || e.getAttribute('title');
    if (!labelled) out.push(`field ${name(e)} without a label`);
  }
  for (const e of document.querySelectorAll('img, svg')) {
    if (e.closest('[aria-hidden=true]') || e.getAttribute('role') === 'presentation')
      continue;
    if (e.tagName === 'svg' && e.parentElement.closest('svg')) continue;
    const alt = e.getAttribute('alt') ?? e.getAttribute('aria-label')
      ?? e.getAttribute('aria-labelledby') ?? e.querySelector(':scope > title')
      ?? (e.closest('figure')?.querySelector('figcaption'));
    if (alt === null || alt === undefined)
      out.push(`${e.tagName.toLowerCase()} ${e.id || e.className?.baseVal
        || e.className || ''} without a text alternative`);
  }
  for (const s of document.querySelectorAll('main section')) {
    const heading = s.querySelector('h1, h2, h3, h4');
    const rest = s.innerText.replace(heading ? heading.innerText : '', '').trim();
    if (!rest && vis(s)) out.push(`section ${s.id || '?'} empty`);
  }
  return out;
}"""

_LINKS_JS = """() => ({
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  fragments: [...document.querySelectorAll('[hx-get]')].map(e => e.getAttribute('hx-get')),
  forms: [...document.querySelectorAll('form')]
    .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get')
    .map(f => (f.getAttribute('action') || location.pathname) + '?'
      + new URLSearchParams(new FormData(f)).toString()),
})"""


@dataclass
class Crawl:
    """What one crawl opened and found."""

    username: str
    width_px: int
    pages: dict[str, float] = field(default_factory=dict)  # path: seconds to 1st byte
    findings: list[str] = field(default_factory=list)


def kind_of(path: str) -> str:
    """The kind of an address: its ids (person, action, tasking, number) as
    ``*``, and the names of its query's fields (a form sent is another kind)."""
    parts = urlsplit(path)
    fields = sorted({f.split("=")[0] for f in parts.query.split("&") if f})
    return _KIND.sub("/*", parts.path) + "?" + "&".join(fields)


def crawl(
    browser: Any,
    base_url: str,
    username: str,
    password: str,
    *,
    width_px: int = 390,
    height_px: int = 844,
    per_kind: int = 2,
    slow_s: float = 1.0,
    shots: Path | None = None,
) -> Crawl:
    """Sign ``username`` in and crawl from Today (module docstring)."""
    page = browser.new_page(viewport={"width": width_px, "height": height_px})
    found = Crawl(username, width_px)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/today")
    queue: deque[str] = deque(["/today"])
    seen: set[str] = {"/today"}
    kinds: dict[str, int] = {}
    while queue:
        path = queue.popleft()
        for link in _visit(
            page, base_url, path, found, errors, width_px, slow_s, shots
        ):
            target = urlsplit(urljoin(f"{base_url}{path}", link))
            if f"{target.scheme}://{target.netloc}" != base_url:
                continue
            local = target.path + (f"?{target.query}" if target.query else "")
            kind = kind_of(local)
            if local in seen or _SKIP.match(local) or kinds.get(kind, 0) >= per_kind:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            seen.add(local)
            queue.append(local)
    page.close()
    return found


def _visit(
    page: Any,
    base_url: str,
    path: str,
    found: Crawl,
    errors: list[str],
    width_px: int,
    slow_s: float,
    shots: Path | None,
) -> list[str]:
    """Open ``path``, record its findings; the links and fragments it holds."""
    errors.clear()
    started = time.perf_counter()
    response = page.goto(f"{base_url}{path}")
    page.wait_for_load_state("load")
    status = response.status if response else 0
    timing = response.request.timing if response else {}
    first_byte_s = (
        timing["responseStart"] / 1000
        if timing.get("responseStart", -1) >= 0
        else time.perf_counter() - started
    )
    found.pages[path] = first_byte_s
    where = f"{found.username} {width_px}px {path}"
    if status >= 400:
        found.findings.append(f"{where}: HTTP {status}")
    if first_byte_s > slow_s:
        found.findings.append(f"{where}: {first_byte_s:.2f} s to the first byte")
    _check(page, found, where, width_px, shots, path)
    found.findings.extend(f"{where}: console error {e}" for e in errors)
    if status >= 400:
        return []
    seen = page.evaluate(_LINKS_JS)
    if page.locator("input[name=purpose]").count():  # a person's record: say why
        page.fill("input[name=purpose]", "crawl check")
        page.click("form button[type=submit] >> nth=-1")
        page.wait_for_load_state("load")
        _check(page, found, f"{where} (record)", width_px, shots, f"{path}-record")
    for fragment in sorted(set(seen["fragments"])):
        answer = page.request.get(
            urljoin(page.url, fragment), headers={"HX-Request": "true"}
        )
        if answer.status >= 400:
            found.findings.append(f"{where}: fragment {fragment} HTTP {answer.status}")
        if found.username in ("partner", "board") and PERSON_ID.search(answer.text()):
            found.findings.append(f"{where}: fragment {fragment} shows a person id")
    links: list[str] = seen["links"] + seen["forms"]  # a GET form sent as shown
    return links


def _check(
    page: Any, found: Crawl, where: str, width_px: int, shots: Path | None, name: str
) -> None:
    """Record the findings of the page open in ``page``; its screenshot."""
    for problem in page.evaluate(_CHECKS_JS, width_px < 600):
        found.findings.append(f"{where}: {problem}")
    if found.username in ("partner", "board") and PERSON_ID.search(page.content()):
        ids = sorted(set(PERSON_ID.findall(page.content())))[:3]
        found.findings.append(f"{where}: person ids shown {ids}")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        file = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "root"
        page.screenshot(
            path=str(shots / f"{found.username}-{width_px}-{file}.png"), full_page=True
        )
