"""Amounts of money and shares as each language writes them, in the installation's currency.

Babel (the Unicode CLDR data) knows where each language puts the currency and which symbol it
uses ("12 000 €" in Spanish, "€12,000" in English, "US$" in Spanish); the digits are grouped the
way Django groups every other number of the page, so an amount and a count beside it agree.
"""

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_symbol
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale

Amount = Decimal | int | float


def currency() -> str:
    """The installation's ISO 4217 currency code."""
    return str(settings.CURRENCY)


def format_money(value: Amount | None, *, decimals: int = 0, language: str | None = None) -> str:
    """`value` with its currency, for `language` (the active one by default); a dash for None."""
    if value is None:
        return "—"
    prefix, suffix = _affixes(language or get_language() or settings.LANGUAGE_CODE, currency())
    digits = number_format(value, decimal_pos=decimals, force_grouping=True)
    if digits.startswith("-"):
        return f"-{prefix}{digits[1:]}{suffix}"
    return f"{prefix}{digits}{suffix}"


def money_affixes(language: str | None = None) -> tuple[str, str]:
    """What comes before and after the digits of an amount in `language`: ("€", "") in
    English, ("", "\xa0€") in Spanish. The dashboard's charts write their axes with them."""
    return _affixes(language or get_language() or settings.LANGUAGE_CODE, currency())


def format_percent(
    value: float | Decimal | None, *, decimals: int = 0, language: str | None = None
) -> str:
    """A share from 0 to 1 as a percentage: "45%" in English, "45 %" in Spanish (the RAE's
    spacing, which CLDR's Spanish pattern follows); a dash for None. With `decimals`, that
    many decimals when the percentage is not whole ("12,5 %", but "50 %")."""
    if value is None:
        return "—"
    pattern = _percent_pattern(language or get_language() or settings.LANGUAGE_CODE)
    hundredths = round(float(value) * 100, decimals)
    if hundredths == int(hundredths):
        decimals = 0
    return pattern.replace(
        "{}", number_format(hundredths, decimal_pos=decimals, force_grouping=True)
    )


@lru_cache(maxsize=64)
def _affixes(language: str, code: str) -> tuple[str, str]:
    locale = _locale(language)
    pattern = locale.currency_formats["standard"]
    symbol = get_currency_symbol(code, locale=locale)
    prefix = pattern.prefix[0].replace("¤", symbol)
    suffix = pattern.suffix[0].replace("¤", symbol)
    # A symbol that is letters gets a space beside the digits (CLDR's currency spacing).
    if prefix and prefix[-1].isalpha():
        prefix += "\xa0"
    if suffix and suffix[0].isalpha():
        suffix = "\xa0" + suffix
    return prefix, suffix.replace(" ", "\xa0")


@lru_cache(maxsize=16)
def _percent_pattern(language: str) -> str:
    pattern = _locale(language).percent_formats[None]
    return (pattern.prefix[0] + "{}" + pattern.suffix[0]).replace(" ", "\xa0")


def _locale(language: str) -> Locale:
    return Locale.parse(to_locale(language))
