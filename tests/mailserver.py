"""A real SMTP server in the test process (aiosmtpd), and the app pointed at it.

`serve(app)` (for a test module's `smtp` fixture) starts the server on a free port, sets
MAIL_SERVER/MAIL_PORT and PUBLIC_BASE_URL, and collects every message that arrives, parsed
with the email package. `smtp.stop()` and
`smtp.start()` take the server down and bring it back on the same port.
"""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from app.mail import outbox

BASE_URL = "https://bygop.test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """The SMTP handler: keeps every message, with the envelope's recipients."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self):
        self.port = _free_port()
        self.collector = Collector()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.collector.lock:
            return list(self.collector.messages)

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        for _attempt in range(50):  # the port may linger for a moment after a stop
            try:
                self.controller.start()
                return
            except (OSError, RuntimeError):
                time.sleep(0.1)
        raise RuntimeError(f"the test SMTP server did not start on port {self.port}")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        with self.collector.lock:
            self.collector.messages.clear()


def subject(message: EmailMessage) -> str:
    """The subject as a mail program shows it: Flask-Mailman folds a long encoded subject
    right after "Subject:", and the parser keeps that fold's space, which readers drop."""
    return str(message["Subject"]).strip()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a multipart/alternative mail."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "not multipart text + HTML"
    return text.get_content(), html.get_content()


def serve(app):
    """For a fixture: `yield from serve(app)` runs the server for one test."""
    server = MailServer()
    server.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "PUBLIC_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, PUBLIC_BASE_URL=BASE_URL)
    outbox.configure(app)
    yield server
    app.config.update(saved)
    outbox.configure(app)
    server.stop()
