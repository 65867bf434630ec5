"""`readnext service` against a temporary HOME: without a user systemd (the file is written and said so), and
with a real one, a private `systemd --user` started for the test in its own mount namespace (on a machine not
booted with systemd, the manager only runs where /run/systemd/system exists: a tmpfs there, seen by it alone):
install starts the real `readnext serve`, which answers /api/v1/status, comes back after a SIGKILL, and uninstall
stops it."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from readnext.cli import main
from servers import free_port


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    home = tmp_path / "user"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))  # empty: no user manager listens there
    return home


def lines_of(capsys):
    return capsys.readouterr().out.splitlines()


def test_install_without_a_user_systemd_writes_the_unit_and_says_how_it_starts(user_home, tmp_path, capsys):
    assert main(["service", "install", "--home", str(tmp_path / "data"), "--port", "8877"]) == 0
    unit = user_home / ".config/systemd/user/readnext.service"
    assert "--port\" \"8877\"" in unit.read_text("utf-8") and (unit.stat().st_mode & 0o777) == 0o600
    assert not list(unit.parent.glob(".*tmp"))  # written through a temporary file, renamed
    out = lines_of(capsys)
    assert out[0] == f"service: installed ({unit})"
    assert out[1].startswith("running: no (systemctl --user does not answer here")
    assert out[2] == f"    log: {user_home}/.local/state/readnext/serve.log"
    assert out[3] == "    url: http://127.0.0.1:8877"
    assert (user_home / ".local/state/readnext").is_dir()  # systemd appends to the log there


def test_status_reads_the_port_of_the_installed_unit(user_home, tmp_path, capsys):
    main(["service", "install", "--home", str(tmp_path / "data"), "--port", "8877"])
    capsys.readouterr()
    assert main(["service", "status"]) == 0
    assert lines_of(capsys)[3] == "    url: http://127.0.0.1:8877"


def test_uninstall_removes_the_unit_and_a_second_one_is_one_line(user_home, tmp_path, capsys):
    main(["service", "install", "--home", str(tmp_path / "data")])
    assert main(["service", "uninstall"]) == 0
    assert not (user_home / ".config/systemd/user/readnext.service").exists()
    capsys.readouterr()
    assert main(["service", "uninstall"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("readnext: no ReadNext service is installed") and err.count("\n") == 1
    assert main(["service", "status"]) == 0
    assert lines_of(capsys)[0].startswith("service: not installed")


@pytest.fixture
def user_manager(user_home, tmp_path):
    """A real `systemd --user` for HOME, listening in XDG_RUNTIME_DIR; stopped (with its units) afterwards."""
    runtime, log = tmp_path / "runtime", tmp_path / "manager.log"
    manager = subprocess.Popen(
        ["unshare", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && "
                                           "exec /usr/lib/systemd/systemd --user"],
        env={**os.environ, "HOME": str(user_home), "XDG_RUNTIME_DIR": str(runtime)},
        stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True).returncode != 0:
            assert manager.poll() is None, f"systemd --user did not start: {log.read_text()}"
            assert time.monotonic() < deadline, "systemd --user did not answer in 30 s"
            time.sleep(0.2)
        yield manager
    finally:
        stop(manager)


def stop(manager):
    manager.send_signal(signal.SIGTERM)  # stops the units it runs, then itself
    try:
        manager.wait(timeout=60)
    except subprocess.TimeoutExpired:
        manager.kill()
        manager.wait()


def answers(port, within):
    """The backend's GET /status within `within` seconds (the model loads first), or None."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status", timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.5)
    return None


def main_pid():
    return int(subprocess.run(["systemctl", "--user", "show", "-p", "MainPID", "--value", "readnext.service"],
                              capture_output=True, text=True, check=True).stdout)


@pytest.mark.model
@pytest.mark.slow
def test_a_real_user_systemd_starts_serve_restarts_it_after_a_crash_and_uninstall_stops_it(
        user_manager, user_home, tmp_path, capsys):
    port = free_port()
    assert main(["service", "install", "--home", str(tmp_path / "data"), "--port", str(port)]) == 0
    assert answers(port, within=240) is not None, (user_home / ".local/state/readnext/serve.log").read_text()
    capsys.readouterr()
    assert main(["service", "status"]) == 0
    assert lines_of(capsys)[1:] == ["running: yes (systemd: active)",
                                    f"    log: {user_home}/.local/state/readnext/serve.log",
                                    f"    url: http://127.0.0.1:{port}"]
    assert f"serving on http://127.0.0.1:{port}" in (user_home / ".local/state/readnext/serve.log").read_text()

    crashed = main_pid()
    os.kill(crashed, signal.SIGKILL)
    assert answers(port, within=240) is not None and main_pid() not in (0, crashed)

    assert main(["service", "uninstall"]) == 0
    assert not (user_home / ".config/systemd/user/readnext.service").exists()
    assert answers(port, within=3) is None
    assert subprocess.run(["systemctl", "--user", "is-enabled", "readnext.service"],
                          capture_output=True).returncode != 0
