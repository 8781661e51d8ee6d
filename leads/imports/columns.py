"""The lead fields a sheet's columns can fill, and reading each cell."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

IMPORT_FIELDS = {
    "full_name": _("name"),
    "email": _("email"),
    "phone": _("phone"),
    "company": _("company"),
    "job_title": _("job title"),
    "country": _("country"),
    "source": _("source"),
    "campaign": _("campaign"),
    "persona": _("persona"),
    "expected_value": _("expected value"),
    "expected_close_date": _("expected close date"),
    "owner": _("marketing owner"),
    "stage": _("stage"),
    "became_mql": _("became MQL"),
    "became_sql": _("became SQL"),
    "became_opportunity": _("became opportunity"),
    "won_at": _("won"),
    "lost_at": _("lost"),
}
_NAMES = {
    "name": "full_name",
    "full name": "full_name",
    "nombre": "full_name",
    "email": "email",
    "e-mail": "email",
    "correo": "email",
    "phone": "phone",
    "company": "company",
    "empresa": "company",
    "stage": "stage",
    "etapa": "stage",
    "owner": "owner",
    "source": "source",
    "campaign": "campaign",
    "persona": "persona",
    "value": "expected_value",
    "became mql": "became_mql",
    "became sql": "became_sql",
    "won": "won_at",
    "lost": "lost_at",
}


def propose_mapping(header: list[str]) -> dict[int, str]:
    proposed: dict[int, str] = {}
    for index, name in enumerate(header):
        field = _NAMES.get(name.strip().casefold())
        if field and field not in proposed.values():
            proposed[index] = field
    return proposed


def parse_decimal(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(_("not a number")) from None


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(_("not a date"))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(text: str) -> str:
    email = text.strip().lower()
    if not _EMAIL.match(email):
        raise ValueError(_("not an email address"))
    return email
