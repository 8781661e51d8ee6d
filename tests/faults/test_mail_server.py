"""The mail server down (fast part of the fault suite): the product sends its email over SMTP
to a real server of the test's (aiosmtpd), which the test stops while mentions are made and
starts again. Nothing answers 500, every change is saved, each email goes out once when the
server is back (the worker retries it), none is lost and none is sent twice."""

import socket
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.faults.servers import listening, wait_for
from tests.faults.stack import Stack, start_stack

RECOVERY_TIMEOUT = 90


class Inbox:
    """What the mail server received, one entry per message."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content or b""
        self.messages.append(content.encode() if isinstance(content, str) else content)
        return "250 Message accepted for delivery"

    def containing(self, text: str) -> int:
        """How many messages have `text` in their body: 1 is right, 2 a duplicate."""
        bodies = [
            message_from_bytes(raw, policy=policy.default).get_body() for raw in self.messages
        ]
        return sum(body is not None and text in body.get_content() for body in bodies)


class MailServer:
    def __init__(self, port: int) -> None:
        self.port, self.inbox = port, Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        wait_for(lambda: not listening(self.port), "the mail server to stop", 10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def mail_server() -> Iterator[MailServer]:
    server = MailServer(_free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(mail_server: MailServer) -> Iterator[Stack]:
    started = start_stack(smtp_port=mail_server.port)
    try:
        yield started
    finally:
        started.stop()


def _word() -> str:
    return f"w{uuid.uuid4().hex[:12]}"


def test_with_the_mail_server_down_mentions_are_saved_and_emailed_once_it_is_back(
    stack: Stack, mail_server: MailServer
) -> None:
    lead_id = stack.seeded["mqls"][0]
    before = _word()
    assert stack.api("POST", f"leads/{lead_id}/notes/", body={"body": f"@sam {before}"}).status
    wait_for(lambda: mail_server.inbox.containing(before) == 1, "the server to take email")

    mail_server.stop()
    words = [_word() for _ in range(3)]
    noted = [
        stack.api("POST", f"leads/{lead_id}/notes/", body={"body": f"@sam {word}"}).status
        for word in words
    ]
    captured_word = _word()
    captured = stack.capture(f"{captured_word}@example.com", f"Ada {captured_word}")
    wait_for(lambda: "Retry in" in stack.worker.output(), "a send to fail and be retried")
    time.sleep(3)
    mail_server.start()

    assert noted == [201] * 3, "a change is saved whatever the mail server does"
    assert captured.status == 200
    assert stack.query("SELECT 1 FROM leads_lead WHERE email = %s", f"{captured_word}@example.com")
    wait_for(
        lambda: all(mail_server.inbox.containing(word) for word in [*words, captured_word]),
        "every email once the server is back",
        RECOVERY_TIMEOUT,
    )
    time.sleep(3)
    assert [mail_server.inbox.containing(word) for word in [*words, captured_word]] == [1] * 4
    assert stack.query("SELECT count(*) FROM leads_mention WHERE emailed_at IS NULL") == [(0,)]
    assert stack.worker.running()
