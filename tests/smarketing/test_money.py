"""Every amount is shown with the installation's currency, the way the reader's language
writes it; CSV files name the currency in their headers and keep plain numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from funnel.goals import GoalTerms, set_revenue_goal
from funnel.periods import quarter
from smarketing.env import SettingsError
from smarketing.money import format_money, format_percent
from tests.smarketing.test_settings import _load_settings

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "code", "written"),
    [
        ("es", "EUR", f"12{NBSP}000{NBSP}€"),
        ("en", "EUR", "€12,000"),
        ("en", "USD", "$12,000"),
        ("es", "USD", f"12{NBSP}000{NBSP}US$"),
        ("en", "CHF", f"CHF{NBSP}12,000"),
    ],
)
def test_an_amount_is_written_with_its_currency_per_language(language, code, written) -> None:
    with override_settings(CURRENCY=code), translation.override(language):
        assert format_money(Decimal("12000.40")) == written


def test_an_amount_groups_its_digits_like_every_other_number_of_the_page() -> None:
    with translation.override("es"):
        count = Template("{% load humanize %}{{ n|intcomma }}").render(Context({"n": 300000}))
        assert format_money(300000) == f"{count}{NBSP}€"
        assert format_money(None) == "—"
        assert format_money(Decimal("-1500")) == f"-1{NBSP}500{NBSP}€"


@pytest.mark.parametrize(("language", "written"), [("es", f"45{NBSP}%"), ("en", "45%")])
def test_a_percentage_is_spaced_as_the_language_writes_it(language, written) -> None:
    with translation.override(language):
        assert format_percent(0.45) == written
        assert Template("{% load money %}{{ v|percentage }}").render(Context({"v": 45})) == written


def test_the_currency_setting_is_checked_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load_settings(monkeypatch, CURRENCY="usd")["CURRENCY"] == "USD"
    assert _load_settings(monkeypatch, CURRENCY=None)["CURRENCY"] == "EUR"
    with pytest.raises(SettingsError, match="CURRENCY must be an ISO 4217 code"):
        _load_settings(monkeypatch, CURRENCY="EURO")


@pytest.mark.django_db
def test_a_goal_is_listed_with_its_currency_in_each_language(client: Client, manager) -> None:
    set_revenue_goal(
        actor=manager,
        period=quarter(2027, 1),
        terms=GoalTerms(amount=Decimal(250_000), marketing_share=70),
    )
    client.force_login(manager)
    with override_settings(CURRENCY="USD"):
        page = client.get(reverse("goal_list")).content.decode()
        assert "$250,000" in page
        assert "70%" in page
    manager.language = "es"
    manager.save()
    with translation.override("en"):  # the request activates Spanish in this thread
        page = client.get(reverse("goal_list")).content.decode()
    assert f"250{NBSP}000{NBSP}€" in page
    assert f"70{NBSP}%" in page


@pytest.mark.django_db
def test_a_dashboard_csv_names_the_currency_and_keeps_numbers(client: Client, manager) -> None:
    client.force_login(manager)
    with override_settings(CURRENCY="GBP"):
        response = client.get(reverse("dashboard_csv", args=["reps"]))
        api = client.get(reverse("api:dashboard")).json()
        schema = client.get(reverse("api:schema")).content.decode()
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["Rep", "Deals won", "Revenue won (GBP)"]
    assert api["currency"] == "GBP"
    assert "ISO 4217" in schema
