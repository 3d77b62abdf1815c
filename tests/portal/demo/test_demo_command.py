"""`manage.py demo` (what `make demo` runs), end to end in a subprocess.

It runs on a fresh SQLite file of its own: migrates, seeds, prints the logins
only once the portal answers, runs the worker beside the web server, and stops
both on Ctrl-C. A second start skips the migrations.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent.parent
BANNER = "Portico demo: "


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid):
    """(pid, command line) of each live child process (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The parent pid is the second field after the ")" that ends the name.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


class Demo:
    def __init__(self, tmp_path, port):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("DJANGO_") and key != "DATABASE_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="cms.settings.dev",
            SQLITE_PATH=str(tmp_path / "demo.sqlite3"),
            MEDIA_ROOT=str(tmp_path / "media"),
        )
        self.port = port
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "demo", "--port", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self):
        return "\n".join(self.lines)

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            assert self.process.poll() is None, self.output
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not printed in {timeout} s:\n{self.output}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def interrupt(self):
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)

    def kill(self):
        if self.process.poll() is None:
            for pid, _ in children_of(self.process.pid):
                os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()


def test_demo_serves_with_its_worker_and_ctrl_c_stops_both(tmp_path):
    demo = Demo(tmp_path, free_port())
    try:
        demo.wait_for(BANNER, timeout=600)
        # The banner came after the portal answered: it answers now.
        with urllib.request.urlopen(demo.url("/portal/demo/"), timeout=30) as page:
            assert page.status == 200
            assert "Splash Academy" in page.read().decode()
        assert f"{BANNER}{demo.url('/portal/demo/')}" in demo.output
        assert "parent@example.com / portico-demo" in demo.output
        assert f"Staff admin:  {demo.url('/admin/')}" in demo.output
        for login in ("admin@example.com", "desk@example.com", "marketing@example.com"):
            assert f"{login} / portico-admin" in demo.output
        assert "Migrating the demo database" in demo.output

        deadline = time.monotonic() + 120
        while not [
            pid for pid, cmd in children_of(demo.process.pid) if "portico_worker" in cmd
        ]:
            assert time.monotonic() < deadline, demo.output
            time.sleep(0.2)
        [worker] = [
            pid for pid, cmd in children_of(demo.process.pid) if "portico_worker" in cmd
        ]
        demo.wait_for("Portico worker started", timeout=120)

        demo.interrupt()
        assert demo.process.returncode == 0, demo.output
        assert "Stopping the demo" in demo.output
        assert not Path(f"/proc/{worker}").exists()  # the worker stopped too
        with socket.socket() as sock:  # and nothing serves the port any more
            assert sock.connect_ex(("127.0.0.1", demo.port)) != 0
    finally:
        demo.kill()

    again = Demo(tmp_path, free_port())
    try:
        again.wait_for(BANNER, timeout=300)
        assert "Migrating the demo database" not in again.output
        again.interrupt()
        assert again.process.returncode == 0, again.output
    finally:
        again.kill()
