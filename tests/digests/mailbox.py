"""An email backend for worker processes that tests can read: each message becomes one .eml
file in DIGEST_MAIL_DIR, written whole or not at all (a rename), after DIGEST_MAIL_DELAY
seconds (to give a test time to kill the worker in the middle of a run)."""

import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class FolderBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(os.environ["DIGEST_MAIL_DIR"])
        self.delay = float(os.environ.get("DIGEST_MAIL_DELAY", "0"))

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            time.sleep(self.delay)
            name = uuid.uuid4().hex
            partial = self.folder / f".{name}.tmp"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(self.folder / f"{name}.eml")
        return len(email_messages)
