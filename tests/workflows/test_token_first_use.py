"""A token used by several requests at once for the first time.

Found on PostgreSQL: stamping ``last_used_at`` replaced the token's row (delete, then
insert), so two requests using a new token at once collided on its key and one
answered 500. The stamp is now one UPDATE.
"""

from __future__ import annotations

import threading

from avert.store import Store
from avert.workflows.users import (
    User,
    add_user,
    issue_token,
    list_tokens,
    user_for_token,
)

PASSWORD = "a-long-enough-test-password"


def _use_at_once(store: Store, token: str, n: int) -> list[object]:
    """``n`` threads use ``token`` at the same moment; their users, or errors."""
    barrier = threading.Barrier(n)
    got: list[object] = []

    def use() -> None:
        barrier.wait()
        try:
            got.append(user_for_token(store, token))
        except Exception as err:
            got.append(err)

    threads = [threading.Thread(target=use) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


def test_a_new_token_used_at_once_by_many_requests_serves_them_all(
    any_store: Store,
) -> None:
    add_user(any_store, "chair", password=PASSWORD, role="chair", org="police")
    for _ in range(5):  # a race: several fresh tokens, each used by 8 at once
        got = _use_at_once(any_store, issue_token(any_store, "chair"), 8)
        assert len(got) == 8
        assert all(isinstance(u, User) and u.username == "chair" for u in got), got
    tokens = list_tokens(any_store, "chair")
    assert tokens.height == 5  # one row each: none lost or doubled
    assert tokens["last_used_at"].is_not_null().all()
