"""The files that start `readnext serve` with the session, one per system: a systemd user unit (Linux), a
LaunchAgent (macOS), a Task Scheduler logon task (Windows). Each runs the given command, restarts it after a crash
(not after a clean stop) and sends its output to one log file. Only text is made here; service.py writes it."""
from __future__ import annotations

import plistlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

UNIT_NAME = "readnext.service"
AGENT_LABEL = "org.readnext.serve"
TASK_NAME = "ReadNext"
RESTART_SECONDS = 5


@dataclass(frozen=True)
class ServiceSpec:
    command: tuple[str, ...]  # the absolute interpreter first: `python -m readnext.cli serve --home H --port P`
    log: Path
    port: int


@dataclass(frozen=True)
class Layout:
    """Where one system keeps the user's service file and where its log goes."""
    system: str  # linux, macos, windows
    file: Path
    log: Path


def layout(system: str, user_home: Path) -> Layout:
    if system == "macos":
        return Layout(system, user_home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist",
                      user_home / "Library" / "Logs" / "readnext" / "serve.log")
    if system == "windows":
        local = user_home / "AppData" / "Local" / "readnext"
        return Layout(system, local / "readnext-task.xml", local / "serve.log")
    return Layout(system, user_home / ".config" / "systemd" / "user" / UNIT_NAME,
                  user_home / ".local" / "state" / "readnext" / "serve.log")


def render(system: str, spec: ServiceSpec, user: str = "") -> bytes:
    """The service file's bytes for `system`; `user` (DOMAIN\\name) is Windows' logon trigger's."""
    if system == "macos":
        return launch_agent(spec)
    if system == "windows":
        return windows_task(spec, user)
    return systemd_unit(spec).encode("utf-8")


def systemd_unit(spec: ServiceSpec) -> str:
    return "\n".join([
        "[Unit]",
        "Description=ReadNext, the private paper recommender's backend (readnext serve)",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_word(word) for word in spec.command),
        "Restart=on-failure",
        f"RestartSec={RESTART_SECONDS}",
        f"StandardOutput=append:{_systemd_path(spec.log)}",
        f"StandardError=append:{_systemd_path(spec.log)}",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ])


def _systemd_word(word: str) -> str:
    """One ExecStart argument, quoted, with systemd's own specifiers (%) and variables ($) kept literal."""
    word = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{word}"'


def _systemd_path(path: Path) -> str:
    return str(path).replace("%", "%%")  # a path setting takes specifiers but no quotes


def launch_agent(spec: ServiceSpec) -> bytes:
    return plistlib.dumps({
        "Label": AGENT_LABEL,
        "ProgramArguments": list(spec.command),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},  # again after a crash, not after a clean stop
        "ThrottleInterval": RESTART_SECONDS,
        "StandardOutPath": str(spec.log),
        "StandardErrorPath": str(spec.log),
        "ProcessType": "Background",
    })


def windows_task(spec: ServiceSpec, user: str) -> bytes:
    """A Task Scheduler task (the XML `schtasks /Create /XML` reads, in its UTF-16) run at this user's logon.
    The task runs cmd.exe so that the output is appended to the log; restarts come from RestartOnFailure."""
    line = subprocess.list2cmdline(spec.command) + f' >> "{spec.log}" 2>&1'
    xml = f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>ReadNext, the private paper recommender's backend (readnext serve)</Description>
  </RegistrationInfo>
  <Triggers><LogonTrigger><Enabled>true</Enabled><UserId>{escape(user)}</UserId></LogonTrigger></Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId><LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>
    <Hidden>true</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec><Command>cmd.exe</Command><Arguments>{escape('/d /c "' + line + '"')}</Arguments></Exec>
  </Actions>
</Task>
"""
    return xml.encode("utf-16")


def port_of(text: str) -> int | None:
    """The port an installed file's command serves on (`--port N` in any of the three formats)."""
    found = re.search(r'--port"?(?:</string>\s*<string>|\s+"?)(\d+)', text)
    return int(found[1]) if found else None
