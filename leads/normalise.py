"""What people and websites type into a lead, made into one shape before anything compares or
stores it. The lead forms, the API, the website capture (and the import) all read their text
through these functions, so no path can store what another would refuse.

- Emails: invisible characters (zero-width spaces and joiners, direction marks, byte-order
  marks, soft hyphens: Unicode's "format" characters) removed, then Unicode NFKC, so that
  full-width letters and other compatibility look-alikes become the plain characters of the one
  address a person has; the one-lead-per-email rule compares what is left. Refused beyond
  RFC 5321's lengths: 64 characters before the @, 254 in all.
- One-line text (a name, company, job title, ...): Unicode NFC, each run of whitespace (line
  breaks and tabs included) one space, other control and format characters removed, except the
  two joiners some scripts are written with.
- Any text: lone surrogates (halves of a character, which no UTF-8 text carries and PostgreSQL
  cannot store) are refused.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_PART_MAX_LENGTH = 64
# Zero-width non-joiner and joiner: format characters that Persian, Indic scripts and emoji
# sequences need; kept in names, removed from emails.
_JOINERS = frozenset({"\u200c", "\u200d"})


def _category(character: str) -> str:
    return unicodedata.category(character)


def normalise_email(text: str) -> str:
    visible = "".join(c for c in text if _category(c) != "Cf")
    return unicodedata.normalize("NFKC", visible).strip()


def _kept_in_a_line(character: str) -> str:
    if character in _JOINERS or _category(character) not in ("Cc", "Cf"):
        return character
    return " " if character.isspace() else ""


def single_line(text: str) -> str:
    kept = "".join(_kept_in_a_line(c) for c in unicodedata.normalize("NFC", text))
    return " ".join(kept.split())


def is_text(text: str) -> bool:
    """Whether `text` can be stored: no lone surrogates."""
    return not any(_category(c) == "Cs" for c in text)


def validate_email_lengths(value: str) -> None:
    local_part, _at, _domain = value.rpartition("@")
    if len(local_part) > EMAIL_LOCAL_PART_MAX_LENGTH:
        raise ValidationError(
            _("The part before the @ may have at most %(limit)d characters."),
            code="email_local_part_too_long",
            params={"limit": EMAIL_LOCAL_PART_MAX_LENGTH},
        )
    if len(value) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An email address may have at most %(limit)d characters."),
            code="email_too_long",
            params={"limit": EMAIL_MAX_LENGTH},
        )
