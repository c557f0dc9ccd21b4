"""What every benchmark needs: nginx and wrk on loopback, a throw-away Custode database, CPU accounting.

Each benchmark measures Custode and a reference (nginx, wrk) in the same run on the same machine
and prints their ratio, so the figure means the same on a faster or slower machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ensure_tools(*names: str) -> None:
    """Install nginx and wrk from Debian's packages when missing (the bench needs root for that)."""
    missing = [n for n in names if shutil.which(n) is None and not Path(f"/usr/sbin/{n}").exists()]
    if not missing:
        return
    packages = {"nginx": "nginx-light", "wrk": "wrk"}
    print(f"installing {', '.join(missing)} with apt-get...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", *[packages[n] for n in missing]], check=True, env=env,
                   stdout=subprocess.DEVNULL)


PORTS: list[int] = []  # --port-range: the ports this bench may listen on, taken in turn
DATABASE_URL: str | None = None  # --postgres: the throw-away PostgreSQL database of this run


def add_arguments(parser) -> None:
    """The options every bench takes: where it may listen, and which database Custode uses."""
    parser.add_argument("--port-range", default=None, metavar="LOW-HIGH",
                        help="loopback ports the bench may listen on, e.g. 20000-20099 (default: any free one)")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="run Custode on a throw-away database created on this PostgreSQL server, e.g. "
                             "postgresql://postgres@127.0.0.1:5432/test (default: SQLite)")
    parser.add_argument("--postgres-name", default=None, metavar="NAME",
                        help="the throw-away database's name (default: custode_bench_<pid>); dropped after the run")


@contextmanager
def configured(args):
    """Apply the common options of ARGS for the bench's lifetime; a PostgreSQL database is dropped after.

    A SIGTERM ends the bench like Ctrl-C does: through its cleanup, so no Custode process, server or
    throw-away database outlives it."""
    global DATABASE_URL
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.port_range:
        low, _, high = args.port_range.partition("-")
        if not (low.isdigit() and high.isdigit() and 1024 <= int(low) <= int(high) <= 65535):
            raise SystemExit(f"--port-range {args.port_range!r}: must be LOW-HIGH, like 20000-20099")
        ephemeral = _ephemeral_ports()
        if ephemeral and int(low) <= ephemeral[1] and int(high) >= ephemeral[0]:
            raise SystemExit(f"--port-range {args.port_range!r}: overlaps the ports this machine gives outgoing "
                             f"connections ({ephemeral[0]}-{ephemeral[1]}, net.ipv4.ip_local_port_range): a "
                             f"server restarted there may find its port taken by a check; choose one outside it")
        PORTS[:] = range(int(low), int(high) + 1)
    if not args.postgres:
        yield "sqlite"
        return
    with throwaway_postgres(args.postgres, args.postgres_name) as url:
        DATABASE_URL = url
        try:
            yield "postgresql"
        finally:
            DATABASE_URL = None


def _ephemeral_ports() -> tuple[int, int] | None:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    except (OSError, ValueError):
        return None
    return int(low), int(high)


@contextmanager
def throwaway_postgres(server_url: str, name: str | None = None):
    """A new, empty database NAME on SERVER_URL's server for one run; dropped when the run ends."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = name or f"custode_bench_{os.getpid()}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"--postgres-name {name!r}: lower-case letters, digits and _, not starting with a digit")
    parts = urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    """A free loopback port: the next free one of --port-range when given, else any the system picks."""
    for _ in range(len(PORTS)):
        port = PORTS.pop(0)
        PORTS.append(port)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    if PORTS:
        raise SystemExit(f"--port-range: no free port among {PORTS[0]}-{PORTS[-1]}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def nginx(body: str = "Studio Legale Bianchi: online\n", workers: int = 1, files: dict[str, bytes] | None = None):
    """nginx on a free loopback port: `/` answers BODY; `/nginx_status` counts requests (stub_status).

    With FILES ({path: bytes}), nginx serves those static files instead of BODY (and FILE.gz, when given,
    to clients that accept gzip).
    """
    ensure_tools("nginx")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="custode-bench-nginx-") as tmp:
        for name, data in (files or {}).items():
            target = Path(tmp) / "www" / name.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        answer = f"root {tmp}/www; gzip_static on;" if files else f'default_type text/plain; return 200 "{body.strip()}\\n";'
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(f"""
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 65535; }}
http {{
    access_log off;
    client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port} backlog=65535;
        location = /nginx_status {{ stub_status; }}
        location / {{ {answer} }}
    }}
}}
""")
        proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", tmp], stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            yield port
        finally:
            proc.terminate()
            proc.wait(10)


def nginx_requests(port: int) -> int:
    """Requests nginx has answered so far (its stub_status counter, which counts the status request too)."""
    import urllib.request

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/nginx_status", timeout=5).read().decode()
    return int(re.search(r"\n\s*\d+\s+\d+\s+(\d+)", text).group(1))


def run_wrk(url: str, *, seconds: int, connections: int, threads: int = 1, close: bool = False,
            rate: int | None = None, headers: tuple[str, ...] = (), script: str = "") -> dict:
    """wrk's requests/s and the CPU seconds wrk itself used.

    With RATE, each connection waits connections/RATE seconds before each request, so the load is paced
    at about RATE requests/s (a little less, by the latency) instead of as fast as the server answers.
    SCRIPT is more of wrk's Lua, e.g. a ``request`` function that varies the path.
    """
    ensure_tools("wrk")
    args = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if close:
        args += ["-H", "Connection: close"]
    for header in headers:
        args += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="custode-bench-") as pace:
        if rate:
            pace.write(f"function delay() return {connections * 1000 / rate:.3f} end\n")
        if rate or script:
            pace.write(script)
            pace.flush()
            args += ["-s", pace.name]
        before = os.times()
        out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
        after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return {
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "cpu": cpu,
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
    }


def custode_env(data_dir: str, **extra: str) -> dict:
    """Custode's environment for a bench: none of the caller's CUSTODE_* settings, this run's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODE_")}
    env.update(CUSTODE_DATA_DIR=data_dir, CUSTODE_LOG_LEVEL="WARNING", **extra)
    if DATABASE_URL:
        env["CUSTODE_DATABASE_URL"] = DATABASE_URL
    return env


def custode(*args: str, env: dict, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "custode", *args], env=env, cwd=ROOT, **kwargs)


def setup_django(data_dir: str) -> None:
    """Use a fresh Custode database in DATA_DIR from this process (to create monitors quickly)."""
    os.environ.update(custode_env(data_dir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "custode.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
