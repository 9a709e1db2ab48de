"""A real PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary folder, a free port.

The server runs as a non-root user (PostgreSQL refuses root): when the tests run as root it is the
``postgres`` user the Debian package creates. It listens on 127.0.0.1 only and asks for a password
(scram-sha-256), so the tests see real authentication and can check the password is never shown.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "retake"
PASSWORD = "pg-5ECRET-pw-0001"


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.initdb = find_bin("initdb")
        self.pg_ctl = find_bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            raise RuntimeError("PostgreSQL's initdb/pg_ctl not found (install Debian's postgresql package: "
                               "`apt-get install -y postgresql`, which `make setup` does as root)")
        self.root = Path(tempfile.mkdtemp(prefix="otio-retake-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._user = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server as") from None
            self._user = "postgres"
            os.chown(self.root, account.pw_uid, account.pw_gid)
        os.chmod(self.root, 0o700)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), user=self._user, cwd=self.root, capture_output=True, text=True,
                              check=check, timeout=120)

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._user:
            account = pwd.getpwnam(self._user)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run(self.initdb, "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                  "-E", "UTF8", "--no-sync", "--no-instructions")
        pwfile.unlink()
        done = self._pg_start()
        if done.returncode != 0:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr}\n{log[-2000:]}")
        return self

    def _pg_start(self) -> subprocess.CompletedProcess:
        # fsync off is safe for a server that is only ever killed, never the machine under it; synchronous_commit
        # stays on: a commit the runner was told of must survive an immediate stop (the lost-connection test).
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        return self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
                         "-t", "60", "start", check=False)

    def url(self, database: str = "postgres", *, password: bool = True) -> str:
        secret = f":{PASSWORD}" if password else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def restart(self) -> None:
        done = self._pg_start()
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start again: {done.stderr}")

    def cleanup(self) -> None:
        self.stop()
        time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
