"""A participant's pending update and salt: kept in a file created readable by its owner only,
never overwritten (``ape run federated train-round`` writes it before committing)."""

import json
import os
import stat

import pytest

from sharedmodels.federated.driver import Pending, save_pending


def test_pending_file_is_private_from_creation_and_never_overwritten(tmp_path):
    path = tmp_path / "task.json.0xabc.pending.json"
    pending = Pending(3, b"\7" * 32, 12, [1, -2, 3])
    old = os.umask(0)  # even with a permissive umask, the file is created 0600
    try:
        save_pending(path, pending)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Pending.from_json(json.loads(path.read_text())) == pending
    with pytest.raises(FileExistsError):
        save_pending(path, Pending(4, b"\1" * 32, 1, [0, 0, 0]))
    assert Pending.from_json(json.loads(path.read_text())) == pending
