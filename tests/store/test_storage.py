import os
import stat

import pytest

from readnext.store import lines, storage


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
    lines.append_lines(log, ['{"n": 1}', '{"n": 2}'])
    with open(log, "ab") as handle:
        handle.write(b'{"n": 3')  # a crash in the middle of an append
    assert [row["n"] for row in lines.read_json_lines(log)] == [1, 2]


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


def test_a_new_home_is_made_private_and_an_existing_one_keeps_its_mode(tmp_path):
    new = storage.ensure_home(tmp_path / "a" / "home")
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o700
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    assert storage.ensure_home(existing) == existing
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o755  # not ours to chmod: `readnext check` reports it


def test_only_readnext_s_own_temporaries_are_removed(tmp_path):
    import subprocess
    import sys
    target = tmp_path / "index.hnsw"
    killed = ("import os, sys\nfrom pathlib import Path\nfrom readnext.store import storage\n"
              "with storage.atomic_path(Path(sys.argv[1])) as tmp:\n    tmp.write_bytes(b'half')\n"
              "    os.kill(os.getpid(), 9)\n")
    subprocess.run([sys.executable, "-c", killed, str(target)], timeout=60)
    [left] = [p.name for p in tmp_path.iterdir()]  # the temporary of a write a kill cut short
    (tmp_path / ".notes.txt.tmp").write_text("an editor's, not ours")
    (tmp_path / ".x.tmp").write_text("someone else's")
    assert storage.remove_temporaries(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.txt.tmp", ".x.tmp"]


def test_an_atomic_write_no_longer_wanted_leaves_the_old_file(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    with storage.atomic_path(target, proceed=lambda: False) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f"]
