import os
import stat

import pytest

from readnext.store import storage


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "f.json"
    storage.atomic_write_json(target, {"a": 1})
    storage.atomic_write_json(target, {"a": 2})
    assert storage.read_json(target) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temporary files left behind
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_failed_write_leaves_old_file(tmp_path):
    target = tmp_path / "f.json"
    storage.atomic_write_json(target, {"a": 1})
    with pytest.raises(TypeError):
        storage.atomic_write_json(target, {"a": object()})
    assert storage.read_json(target) == {"a": 1}


def test_torn_last_line_is_skipped(tmp_path):
    log = tmp_path / "events.jsonl"
    storage.append_lines(log, ['{"n": 1}', '{"n": 2}'])
    with open(log, "ab") as handle:
        handle.write(b'{"n": 3')  # a crash in the middle of an append
    assert [row["n"] for row in storage.read_json_lines(log)] == [1, 2]


def test_home_and_token_are_private(tmp_path):
    home = storage.ensure_home(tmp_path / "home")
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    token = storage.load_or_create_token(home / "token")
    assert len(token) >= 32 and storage.load_or_create_token(home / "token") == token
    assert stat.S_IMODE(os.stat(home / "token").st_mode) == 0o600


def test_second_writer_is_refused(tmp_path):
    with storage.exclusive_lock(tmp_path / "lock"):
        with pytest.raises(storage.LockedError):
            with storage.exclusive_lock(tmp_path / "lock"):
                pass


def test_tinydb_storage_is_atomic_and_reloads(tmp_path):
    from tinydb import TinyDB
    db = TinyDB(tmp_path / "user.json", storage=storage.AtomicJSONStorage)
    db.table("settings").insert({"x": 1})
    db.close()
    again = TinyDB(tmp_path / "user.json", storage=storage.AtomicJSONStorage)
    assert again.table("settings").all() == [{"x": 1}]
