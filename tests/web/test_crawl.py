"""A crawl of every page a role reaches from Today, on a phone (tests/web/crawl.py).

The officers read avert on a phone, and so do partners at a visit: each page they
reach by links and GET forms from Today (one of each kind of address: one person's
record, one action) fits the screen, has a title and one heading, names every field, gives every chart a
text alternative, makes every lone button and link at least 24 by 24 px (WCAG 2.2,
2.5.8), shows a partner and the board no person id, answers without an error (within
5 s: the machine is shared; the benchmark's limit is 1 s), and logs no console error. The first crawl found the navigation's
links 19 px tall on a phone, and the links beside a page's heading ("the plan", "my
actions", "all users") and MARAC's "latest" 14 to 16 px.
``benchmarks/web_crawl.py`` crawls every role (the administrator's pages too) at a
desk's width as well.
"""

from __future__ import annotations

import pytest

from web.crawl import crawl
from web.helpers import PASSWORD, World


@pytest.mark.browser
@pytest.mark.parametrize("role", ["officer", "partner", "board"])
def test_every_page_a_role_reaches_reads_on_a_phone(
    world: World, base_url: str, browser: object, role: str
) -> None:
    found = crawl(browser, base_url, role, PASSWORD, per_kind=1, slow_s=5.0)
    assert len(found.pages) >= 5, found.pages
    assert found.findings == []
