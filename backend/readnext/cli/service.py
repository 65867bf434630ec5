"""`readnext service install | uninstall | status`: `readnext serve` started with the user's session, by the
system's own service manager (systemd --user, launchd, Task Scheduler) from the file service_files.py renders."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReadNextError
from ..server.routes import PREFIX
from ..store import storage
from . import service_files
from .local import Factories
from .options import config_of
from .output import show
from .service_files import AGENT_LABEL, TASK_NAME, UNIT_NAME, Layout, ServiceSpec


class ServiceError(ReadNextError):
    """The system's service manager refused a step."""


@dataclass(frozen=True)
class ServiceState:
    installed: bool
    running: bool
    manager: str  # what the service manager says, or why it was not asked
    layout: Layout
    url: str


def system_name() -> str:
    return {"darwin": "macos", "win32": "windows"}.get(sys.platform, "linux")


def serve_command(args, home: Path) -> tuple[str, ...]:
    """This interpreter's `readnext serve` with the options given here (the ones left out keep their defaults)."""
    command = [sys.executable, "-m", "readnext.cli", "serve", "--home", str(home), "--port", str(args.port)]
    for name in ("model", "device", "precision"):
        if getattr(args, name, None):
            command += [f"--{name}", getattr(args, name)]
    return tuple(command)


def run(args, factories: Factories) -> int:
    where = service_files.layout(system_name(), Path.home())
    if args.action == "install":
        spec = ServiceSpec(serve_command(args, config_of(args).home), where.log, args.port)
        print_state(install(where, spec, _windows_user() if where.system == "windows" else ""))
    elif args.action == "uninstall":
        uninstall(where)
        show(f"removed {where.file}; readnext serve no longer starts with your session")
    else:
        print_state(state(where, args.port))
    return 0


def install(where: Layout, spec: ServiceSpec, user: str = "") -> ServiceState:
    """Write the service file (atomically) and have the manager start it now and at every session."""
    where.file.parent.mkdir(parents=True, exist_ok=True)
    where.log.parent.mkdir(parents=True, exist_ok=True)
    storage.atomic_write_bytes(where.file, service_files.render(where.system, spec, user))
    if where.system == "linux" and _systemd_runs():
        _manage("systemctl", "--user", "daemon-reload")
        _manage("systemctl", "--user", "enable", UNIT_NAME)
        _manage("systemctl", "--user", "restart", UNIT_NAME)  # starts it, or restarts it on the new file
    elif where.system == "macos":
        _run("launchctl", "bootout", f"gui/{os.getuid()}/{AGENT_LABEL}")  # an older copy, if one is loaded
        _manage("launchctl", "bootstrap", f"gui/{os.getuid()}", str(where.file))
    elif where.system == "windows":
        _manage("schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(where.file), "/F")
        _manage("schtasks", "/Run", "/TN", TASK_NAME)
    return state(where, spec.port)


def uninstall(where: Layout) -> None:
    """Stop the service, take it out of the session and remove its file."""
    if not where.file.exists():
        raise ServiceError(f"no ReadNext service is installed ({where.file} does not exist)")
    if where.system == "linux" and _systemd_runs():
        _manage("systemctl", "--user", "disable", "--now", UNIT_NAME)
    elif where.system == "macos":
        _manage("launchctl", "bootout", f"gui/{os.getuid()}/{AGENT_LABEL}")
    elif where.system == "windows":
        _run("schtasks", "/End", "/TN", TASK_NAME)  # fails when it is not running, which is fine
        _manage("schtasks", "/Delete", "/TN", TASK_NAME, "/F")
    storage.remove(where.file)
    if where.system == "linux" and _systemd_runs():
        _manage("systemctl", "--user", "daemon-reload")


def state(where: Layout, port: int) -> ServiceState:
    """Installed or not, running or not (the backend answers), where the log is and the URL it serves; the port
    is the installed file's when there is one."""
    installed = where.file.exists()
    if installed:
        port = service_files.port_of(where.file.read_bytes().decode("utf-16" if where.system == "windows"
                                                                    else "utf-8")) or port
    url = f"http://127.0.0.1:{port}"
    return ServiceState(installed, _answers(url), _manager_says(where), where, url)


def print_state(current: ServiceState) -> None:
    show(f"service: {'installed' if current.installed else 'not installed'} ({current.layout.file})")
    show(f"running: {'yes' if current.running else 'no'} ({current.manager})")
    show(f"    log: {current.layout.log}")
    show(f"    url: {current.url}")


def _manager_says(where: Layout) -> str:
    if where.system == "linux":
        if not _systemd_runs():
            return (f"systemctl --user does not answer here; the unit starts with your next login session, or "
                    f"run `systemctl --user enable --now {UNIT_NAME}`")
        return "systemd: " + _run("systemctl", "--user", "is-active", UNIT_NAME)[1].strip()
    if where.system == "macos":
        return "launchd: " + ("loaded" if _run("launchctl", "print", f"gui/{os.getuid()}/{AGENT_LABEL}")[0] == 0
                              else "not loaded")
    return "Task Scheduler: " + ("registered" if _run("schtasks", "/Query", "/TN", TASK_NAME)[0] == 0
                                 else "not registered")


def _windows_user() -> str:
    """DOMAIN\\name, as a logon trigger names the user it is for."""
    return f"{os.environ.get('USERDOMAIN', '')}\\{os.environ.get('USERNAME', '')}"


def _answers(url: str) -> bool:
    """Whether a ReadNext backend answers GET /api/v1/status there (the one path open without the token)."""
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy
        with direct.open(f"{url}{PREFIX}/status", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _systemd_runs() -> bool:
    """Whether this session has a user systemd to talk to (a container or a bare ssh login may have none)."""
    return shutil.which("systemctl") is not None and _run("systemctl", "--user", "show-environment")[0] == 0


def _run(*argv: str) -> tuple[int, str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return 127, f"{argv[0]} is not installed"
    return done.returncode, done.stdout + done.stderr


def _manage(*argv: str) -> None:
    code, text = _run(*argv)
    if code != 0:
        last = text.strip().splitlines()[-1] if text.strip() else f"exit status {code}"
        raise ServiceError(f"`{' '.join(argv)}` failed: {last}")
