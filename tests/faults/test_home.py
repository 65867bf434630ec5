"""`--home` pointed at a directory ReadNext did not make: no command changes its mode or deletes files in it
that are not ReadNext's own; `readnext check` says when it is open to other users."""
from __future__ import annotations

import os
import stat

from .common import fake_cli


def existing_directory(path):
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    (path / ".draft.tmp").write_text("an editor's temporary, not ReadNext's")
    return path


def test_status_on_an_existing_directory_keeps_its_mode_and_its_files(tmp_path):
    home = existing_directory(tmp_path / "mine")
    result = fake_cli("status", home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o755
    assert (home / ".draft.tmp").read_text() == "an editor's temporary, not ReadNext's"


def test_check_reports_a_home_open_to_other_users_and_repair_closes_it(tmp_path):
    home = existing_directory(tmp_path / "mine")
    assert fake_cli("status", home=home).returncode == 0
    result = fake_cli("check", home=home)
    assert result.returncode == 1
    assert f"{home}: is open to other users (mode 0755); fix: readnext check --repair (or chmod 700 {home})" \
        in result.stdout.splitlines()
    repaired = fake_cli("check", "--repair", home=home)
    assert repaired.returncode == 0 and "no problems found" in repaired.stdout, repaired.stdout + repaired.stderr
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert (home / ".draft.tmp").exists()


def test_a_new_home_is_made_private(tmp_path):
    home = tmp_path / "new" / "home"
    assert fake_cli("status", home=home).returncode == 0
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert fake_cli("check", home=home).returncode == 0
