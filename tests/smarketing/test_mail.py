"""Without an SMTP server, email is printed to the console as a person reads it."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.utils import timezone

from digests.emails import digest_message
from digests.services import build_digest
from digests.weeks import last_complete_week
from smarketing.mail import ReadableConsoleBackend

ROOT = Path(__file__).resolve().parents[2]


def test_without_smtp_the_console_backend_prints_readable_email() -> None:
    """The settings as `make run` loads them (the tests' own use the in-memory backend)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EMAIL_")}
    env["DJANGO_SETTINGS_MODULE"] = "smarketing.settings"
    show = "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"

    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.strip() == "smarketing.mail.ReadableConsoleBackend", result.stderr


@pytest.mark.django_db
def test_a_digest_preview_reads_as_text_on_the_console(manager, sales_rep) -> None:
    sales_rep.first_name = "Zoë"
    sales_rep.save()
    digest = build_digest(user=sales_rep, week=last_complete_week(timezone.now()).first_day)
    message = digest_message(digest, recipient=manager, preview=True)
    console = StringIO()

    ReadableConsoleBackend(stream=console).send_messages([message])

    printed = console.getvalue()
    assert f"To: {manager.email}" in printed
    assert f"Subject: [Preview of Zoë {sales_rep.last_name}'s digest]" in printed
    # The plain text, decoded: no quoted-printable escapes or soft line breaks, no MIME.
    assert message.body.strip() in printed
    assert "Your SQLs waiting for a first touch" in printed
    assert not re.search(r"[^=]=\n", printed), "a quoted-printable soft line break"
    assert "=E2=80" not in printed
    assert "=C3=AB" not in printed
    assert "Content-Transfer-Encoding" not in printed
    assert "<html" not in printed
    assert "Also in this email: text/html" in printed
    assert printed.rstrip().endswith("-" * 79)
    # Its link opens the person's digest, which the manager may read in the app.
    assert f"/digests/{digest.week.isoformat()}/people/{sales_rep.pk}/" in printed
