"""Owner-only files: the instance folder (0700), the SQLite database with its -wal and -shm,
and the secret key (0600). They hold personal data and the key that signs every session.

New files are created owner-only (a umask of 077 around their creation, and `os.open` with mode
0600); files left by an older version with wider modes are narrowed at start-up. SQLite gives
the -wal and -shm files the mode of the database file, so a 0600 database keeps them 0600.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")

log = logging.getLogger(__name__)


@contextmanager
def owner_only() -> Iterator[None]:
    """Files and folders created inside are readable by their owner only. Used at start-up and
    in one-off commands: the umask is process-wide."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def narrow(path: Path, mode: int) -> None:
    """Take away the group's and others' access to `path`, if it exists and has any."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            path.chmod(current & mode)
    except FileNotFoundError:
        pass
    except OSError as error:  # not ours: say so, do not stop the app
        log.warning("Could not make %s owner-only: %s", path, error)


def make_folder(path: Path) -> None:
    """Create the folder owner-only (0700), or narrow an existing one."""
    with owner_only():
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    narrow(path, FOLDER_MODE)


def write_new_file(path: Path, text: str) -> None:
    """Write a new file that is owner-only (0600) from its first byte."""
    with owner_only():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def sqlite_files(database: Path) -> list[Path]:
    return [database] + [database.with_name(database.name + end) for end in SQLITE_SIDE_FILES]


def prepare_sqlite_file(database: Path) -> None:
    """Create the database file owner-only before SQLite opens it (SQLite gives its -wal and
    -shm the same mode), and narrow the files an older start left readable to others."""
    if not database.exists():
        if not database.parent.exists():
            make_folder(database.parent)
        with owner_only():
            try:
                os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            except FileExistsError:
                pass
    for path in sqlite_files(database):
        narrow(path, FILE_MODE)


def sqlite_database_path(url: str) -> Path | None:
    """The file of a `sqlite:///...` URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).resolve()
