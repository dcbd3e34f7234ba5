"""The browser tests' own server: a browser that drops a connection mid-answer must not leave
a file open (its ResourceWarning would fail whichever test happened to be running)."""

from __future__ import annotations

import gc
import socket
import struct
import time
import warnings

from tests.browser.conftest import serve


def _drop_after_first_bytes(port: int, path: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        assert connection.recv(100).startswith(b"HTTP/1.1 200")
        # Linger 0: close with a reset, as a browser leaving a page does.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_dropped_static_download_leaves_no_file_open(app):
    with serve(app) as url:
        port = int(url.rsplit(":", 1)[1])
        # Garbage of earlier tests (a database connection of a finished server thread) is
        # collected before, not counted against the downloads, and not reported as this
        # test's failure either (pytest turns a warning in a finaliser into one).
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"<psycopg\.Connection", ResourceWarning)
            gc.collect()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(200):
                _drop_after_first_bytes(port, "/static/vendor/htmx.min.js")
            time.sleep(0.3)
            gc.collect()
    unclosed = [
        str(w.message)
        for w in caught
        if issubclass(w.category, ResourceWarning)
        # A static download opens no database connection: one finalised now is an earlier
        # test's, whose thread let go of it only now.
        and "psycopg.Connection" not in str(w.message)
    ]
    assert unclosed == []
