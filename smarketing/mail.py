"""Email printed to the console (no SMTP server configured), as a person would read it."""

from django.core.mail import EmailMessage
from django.core.mail.backends import console

RULE = "-" * 79


class ReadableConsoleBackend(console.EmailBackend):
    """Prints each email's headers and its plain text, decoded, and names its other parts (the
    HTML version, attachments), instead of the raw MIME message whose quoted-printable text
    (=E2=80=99, soft line breaks) nobody can read in a terminal."""

    def write_message(self, message: EmailMessage) -> None:
        mime = message.message()
        lines = [
            f"{name}: {mime[name]}"
            for name in ("From", "To", "Cc", "Reply-To", "Subject", "Date")
            if mime[name]
        ]
        text, others = None, []
        for part in mime.walk():
            if part.is_multipart():
                continue
            kind, filename = part.get_content_type(), part.get_filename()
            if kind == "text/plain" and filename is None and text is None:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    text = payload.decode(part.get_content_charset() or "utf-8", "replace")
            else:
                others.append(f"{filename or 'a part'} ({kind})" if filename else kind)
        if others:
            lines.append(f"Also in this email: {', '.join(others)}")
        self.stream.write("\n".join([*lines, "", (text or "").rstrip(), RULE, ""]))
