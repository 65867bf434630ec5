"""The service files as their own systems read them: the unit through `systemd-analyze verify`, the LaunchAgent
through plistlib, the logon task as XML."""
import os
import plistlib
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from readnext.cli.service_files import AGENT_LABEL, ServiceSpec, layout, port_of, render, systemd_unit

TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


def spec(tmp_path, home="data dir", port=8877):
    # a home with a space, a % and a $: each system must get them literally
    return ServiceSpec((sys.executable, "-m", "readnext.cli", "serve", "--home", str(tmp_path / home / "100%$x"),
                        "--port", str(port)), tmp_path / "logs" / "serve.log", port)


def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    unit = tmp_path / "readnext.service"
    unit.write_text(systemd_unit(spec(tmp_path)), "utf-8")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    verified = subprocess.run(["systemd-analyze", "verify", "--user", str(unit)], capture_output=True, text=True,
                              env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, timeout=60)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr


def test_the_unit_restarts_after_a_crash_and_logs_to_the_file(tmp_path):
    text = systemd_unit(spec(tmp_path))
    lines = text.splitlines()
    assert "Restart=on-failure" in lines and "WantedBy=default.target" in lines
    assert f"StandardOutput=append:{tmp_path}/logs/serve.log" in lines
    assert f"StandardError=append:{tmp_path}/logs/serve.log" in lines
    exec_start = next(line for line in lines if line.startswith("ExecStart="))
    assert exec_start.startswith(f'ExecStart="{sys.executable}" "-m" "readnext.cli" "serve" "--home"')
    assert "100%%$$x" in exec_start  # systemd's specifier and variable marks, escaped
    assert port_of(text) == 8877


def test_a_command_systemd_cannot_run_fails_verification(tmp_path):
    broken = ServiceSpec(("/nonexistent/python", "-m", "readnext.cli", "serve"), tmp_path / "serve.log", 8765)
    unit = tmp_path / "readnext.service"
    unit.write_text(systemd_unit(broken), "utf-8")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    verified = subprocess.run(["systemd-analyze", "verify", "--user", str(unit)], capture_output=True, text=True,
                              env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, timeout=60)
    assert verified.returncode != 0 and "/nonexistent/python" in verified.stderr


def test_the_launch_agent_runs_serve_at_login_and_again_after_a_crash(tmp_path):
    the_spec = spec(tmp_path)
    agent = plistlib.loads(render("macos", the_spec))
    assert agent["Label"] == AGENT_LABEL
    assert agent["ProgramArguments"] == list(the_spec.command)
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["StandardOutPath"] == agent["StandardErrorPath"] == str(the_spec.log)
    assert port_of(render("macos", the_spec).decode("utf-8")) == 8877


def test_the_logon_task_is_this_users_and_restarts_on_failure(tmp_path):
    data = render("windows", spec(tmp_path), user="LAB\\ada")
    assert data.startswith(b"\xff\xfe")  # UTF-16 with its mark, as schtasks /XML reads it
    task = ElementTree.fromstring(data)
    assert task.find(f"{TASK}Triggers/{TASK}LogonTrigger/{TASK}UserId").text == "LAB\\ada"
    assert task.find(f"{TASK}Principals/{TASK}Principal/{TASK}LogonType").text == "InteractiveToken"
    assert task.find(f"{TASK}Settings/{TASK}RestartOnFailure/{TASK}Count").text == "999"
    assert task.find(f"{TASK}Settings/{TASK}ExecutionTimeLimit").text == "PT0S"  # never stopped for running long
    arguments = task.find(f"{TASK}Actions/{TASK}Exec/{TASK}Arguments").text
    assert arguments.startswith('/d /c "') and f'>> "{tmp_path / "logs" / "serve.log"}" 2>&1"' in arguments
    assert "readnext.cli serve --home" in arguments and port_of(data.decode("utf-16")) == 8877


def test_each_system_keeps_its_file_and_log_under_the_users_home(tmp_path):
    assert layout("linux", tmp_path).file == tmp_path / ".config/systemd/user/readnext.service"
    assert layout("macos", tmp_path).file == tmp_path / f"Library/LaunchAgents/{AGENT_LABEL}.plist"
    assert layout("windows", tmp_path).file == tmp_path / "AppData/Local/readnext/readnext-task.xml"
    for system in ("linux", "macos", "windows"):
        assert Path(layout(system, tmp_path).log).is_relative_to(tmp_path)
