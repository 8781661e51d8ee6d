"""Amounts and shares in templates: {% load money %}, then {{ goal.amount|money }},
{{ share|percent }}."""

from decimal import Decimal

from django import template

from smarketing.money import format_money, format_percent

register = template.Library()


@register.filter
def money(value: Decimal | int | float | None, decimals: int = 0) -> str:
    """An amount with the installation's currency, as the active language writes it."""
    return format_money(value, decimals=decimals)


@register.filter
def percent(value: float | Decimal | None) -> str:
    """A share from 0 to 1 as a whole percentage, as the active language writes it."""
    return format_percent(value)


@register.filter
def percentage(value: float | Decimal | None, decimals: int = 0) -> str:
    """A number of percent (0 to 100), written as the active language writes percentages."""
    return format_percent(None if value is None else float(value) / 100, decimals=decimals)
