"""The shipped password hasher keeps its cost.

The tests hash at Argon2id's lowest cost (``tests/conftest.py``), so nothing else
in the suite would notice a release whose hasher lost its cost. A fresh interpreter,
outside the tests' patch, hashes a password the way ``avert users add`` does.
"""

from __future__ import annotations

import subprocess
import sys

from argon2 import PasswordHasher, extract_parameters


def test_avert_hashes_passwords_with_rfc_9106_cost() -> None:
    code = (
        "from avert.workflows import users\n"
        "print(users._HASHER.hash('a long test passphrase'))\n"
        "print(users._DUMMY_HASH)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    shipped = PasswordHasher()  # argon2-cffi's defaults: RFC 9106, second choice
    for line in done.stdout.split():
        used = extract_parameters(line)
        assert used.type.name == "ID"
        assert used.memory_cost >= shipped.memory_cost >= 65_536  # KiB
        assert used.time_cost >= shipped.time_cost >= 3
        assert used.parallelism == shipped.parallelism
