"""A throwaway PostgreSQL server for the tests: ``running_postgres()`` starts one and yields its SQLAlchemy URL.

Why: the saved-budgets store runs on SQLite or on PostgreSQL, and its tests run against a real PostgreSQL server,
not a mock, since the two databases differ where a store can go wrong (types, locking, transactional DDL). Each
server is made afresh in a temporary directory from Debian's binaries (/usr/lib/postgresql/<version>/bin, off
PATH; ``bash scripts/ensure-postgres.sh`` installs them) rather than using the package's default cluster: so no
state is shared between runs, nothing needs a password or a service, and nothing is left behind.

It listens on 127.0.0.1 only, on a free port, with its unix socket in the temporary directory (not in
/var/run/postgresql, which belongs to the package's service). Trust authentication is enough for that reason: only
users of this machine can reach it, and only while the tests run. Durability is off (fsync), as the data is thrown
away anyway.

initdb and postgres refuse to run as root. Run as root (as in the container), the server's commands run as the
``postgres`` system user, which Debian's package creates, through ``runuser``, in a temporary directory under /tmp
that this user owns (mode 0700). Every command has a time limit, so a server that hangs fails the tests rather
than stalling them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
ENSURE = "bash scripts/ensure-postgres.sh"
SYSTEM_USER = "postgres"  # the system user the server runs as when the tests run as root (Debian's package makes it)
DB_USER = "postgres"  # the database's superuser, whoever runs it
DATABASE = "planner_test"
START_SECONDS = 60  # pg_ctl's own wait for the server to accept connections (-t)
STOP_SECONDS = 30  # and for it to stop
COMMAND_SECONDS = 120  # any one command, pg_ctl's waits included
START_ATTEMPTS = 3  # a free port can be taken by another process before the server binds it: try another
# Only these local and 127.0.0.1 connections are let in (initdb's default also lets in ::1 and replication).
PG_HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\n"


class PostgresError(RuntimeError):
    """The throwaway server could not be made, started or stopped; the message says why."""


def postgres_bin() -> Path:
    """The bin directory of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout)."""

    def version(bin_dir: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))

    found = [bin_dir for bin_dir in PG_ROOT.glob("*/bin") if (bin_dir / "initdb").is_file()
             and (bin_dir / "pg_ctl").is_file() and re.fullmatch(r"\d+(\.\d+)?", bin_dir.parent.name)]
    if not found:
        raise PostgresError(f"PostgreSQL's server binaries (initdb, pg_ctl) are not in {PG_ROOT}/<version>/bin: "
                            f"run `{ENSURE}` (it installs Debian's postgresql package) and try again.")
    return max(found, key=version)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of the server's log, for an error message."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


class _Server:
    """Runs the server's commands in ``home``, as the postgres system user when we are root."""

    def __init__(self, home: Path, bin_dir: Path) -> None:
        self.home = home
        self.data = home / "data"
        self.log = home / "server.log"
        self.bin_dir = bin_dir
        self.as_user = ["runuser", "-u", SYSTEM_USER, "--"] if os.geteuid() == 0 else []
        # The caller's PG* variables (PGHOST, PGOPTIONS, PGDATA...) must not steer these commands elsewhere.
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*self.as_user, str(self.bin_dir / program), *args]
        try:
            done = subprocess.run(command, cwd=self.home, env=self.env, capture_output=True, text=True,
                                  timeout=COMMAND_SECONDS, check=False)
        except subprocess.TimeoutExpired as error:
            raise PostgresError(f"{shlex.join(command)} did not finish in {COMMAND_SECONDS} s;\n"
                                f"server log:\n{log_tail(self.log)}") from error
        except OSError as error:
            raise PostgresError(f"{shlex.join(command)} could not run: {error}") from error
        if done.returncode != 0:
            raise PostgresError(f"{shlex.join(command)} failed (exit {done.returncode}):\n"
                                f"{done.stdout}{done.stderr}\nserver log:\n{log_tail(self.log)}")
        return done

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", DB_USER, "-E", "UTF8", "--locale=C.UTF-8",
                 "--auth-local=trust", "--auth-host=trust", "--no-sync")
        # Overwriting keeps the file's owner (postgres, when we are root) and its mode (0600).
        (self.data / "pg_hba.conf").write_text(PG_HBA)

    def start(self) -> int:
        """Start the server on a free port; return the port."""
        for attempt in range(1, START_ATTEMPTS + 1):
            port = free_port()
            options = ["-c", "listen_addresses=127.0.0.1", "-p", str(port), "-k", str(self.home), "-c", "fsync=off"]
            try:
                # pg_ctl hands -o to /bin/sh, hence the quoting; -l keeps the server's output off our pipes.
                self.run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_SECONDS),
                         "-o", shlex.join(options))
            except PostgresError:
                if (self.data / "postmaster.pid").exists():  # e.g. still starting when pg_ctl gave up waiting
                    with contextlib.suppress(PostgresError):
                        self.stop()
                if attempt < START_ATTEMPTS and "could not bind" in log_tail(self.log, 5):
                    continue
                raise
            return port
        raise AssertionError("unreachable")  # the loop returns or raises

    def stop(self) -> None:
        """Stop the server; if a fast shutdown does not, an immediate one (no checkpoint: the data is thrown away)."""
        try:
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(STOP_SECONDS))
        except PostgresError:
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", str(STOP_SECONDS))


def _make_home() -> Path:
    """A new directory for the server's data, socket and log, owned by whoever runs the server, mode 0700."""
    if os.geteuid() != 0:
        return Path(tempfile.mkdtemp(prefix="planner-pg-"))
    try:
        user = pwd.getpwnam(SYSTEM_USER)
    except KeyError as error:
        raise PostgresError(f"run as root, the server runs as the {SYSTEM_USER!r} system user, and there is none: "
                            f"run `{ENSURE}` (Debian's postgresql package creates it).") from error
    # Under /tmp, which that user can traverse (root's own TMPDIR may not be).
    home = Path(tempfile.mkdtemp(prefix="planner-pg-", dir="/tmp"))
    os.chown(home, user.pw_uid, user.pw_gid)
    return home


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL server on 127.0.0.1 and yield the SQLAlchemy URL of an empty database on it,
    ``postgresql+psycopg://postgres@127.0.0.1:PORT/planner_test``. On the way out (also when the body raised) the
    server is stopped and its directory removed. Raises PostgresError, saying why, when the server cannot be made,
    started or stopped."""
    bin_dir = postgres_bin()
    home = _make_home()
    server = _Server(home, bin_dir)
    started = False
    try:
        server.init()
        port = server.start()
        started = True
        server.run("createdb", "-h", str(home), "-p", str(port), "-U", DB_USER, DATABASE)
        yield f"postgresql+psycopg://{DB_USER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        try:
            if started:
                server.stop()
        finally:
            shutil.rmtree(home, ignore_errors=True)
