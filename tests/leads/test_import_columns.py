"""The import's proposal of a mapping from the headers other tools write, and the reading of one
cell as an amount, a date or an email."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from leads.imports.cells import (
    CellError,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_email,
    parse_text,
)
from leads.imports.columns import FIELDS_BY_NAME, IMPORT_FIELDS, comparable, propose_mapping
from leads.imports.files import open_sheet
from tests.leads.test_import_files import CORPUS


def proposed(header: list[str]) -> dict[str, str]:
    """Column name -> field, for reading the expectations."""
    return {header[index]: field for index, field in propose_mapping(header).items()}


def test_hubspot_contacts_export() -> None:
    header = open_sheet(CORPUS / "hubspot_contacts.csv", filename="contacts.csv").header

    assert proposed(header) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": "phone",
        "Company Name": "company",
        "Job Title": "job_title",
        "Country/Region": "country",
        "Lifecycle Stage": "stage",
        "Contact owner": "marketing_owner",
        "Create Date": "created_at",
        "Original Source": "source",
        "Became a Marketing Qualified Lead Date": "became_mql_at",
        "Became a Sales Qualified Lead Date": "became_sql_at",
        "Became an Opportunity Date": "became_opportunity_at",
        "Became a Customer Date": "won_at",
    }


def test_pipedrive_deals_export() -> None:
    header = open_sheet(CORPUS / "pipedrive_deals.csv", filename="deals.csv").header

    # The deal's title is not the person's job title, nor its owner the lead's marketer.
    assert proposed(header) == {
        "Deal - Value": "expected_value",
        "Deal - Owner": "sales_owner",
        "Deal - Stage": "stage",
        "Deal - Deal created": "created_at",
        "Deal - Expected close date": "expected_close_date",
        "Deal - Won time": "won_at",
        "Deal - Lost time": "lost_at",
        "Person - Name": "full_name",
        "Person - Email - Work": "email",
        "Person - Phone - Work": "phone",
        "Organization - Name": "company",
    }


def test_odoo_leads_export_in_spanish() -> None:
    header = open_sheet(CORPUS / "odoo_leads_es.csv", filename="crm.lead.csv").header

    assert proposed(header) == {
        "Nombre del contacto": "full_name",
        "Correo electrónico": "email",
        "Teléfono": "phone",
        "Nombre de la empresa": "company",
        "Puesto de trabajo": "job_title",
        "País": "country",
        "Comercial": "sales_owner",
        "Etapa": "stage",
        "Ingreso esperado": "expected_value",
        "Cierre esperado": "expected_close_date",
        "Creado el": "created_at",
        "Origen": "source",
        "Campaña": "campaign",
        "Notas internas": "notes",
    }


def test_spanish_excel_sheet() -> None:
    header = open_sheet(CORPUS / "excel_es_cp1252.csv", filename="clientes.csv").header

    assert proposed(header) == {
        "Nombre": "first_name",
        "Apellidos": "last_name",
        "Correo": "email",
        "Empresa": "company",
        "Cargo": "job_title",
        "Teléfono": "phone",
        "Importe": "expected_value",
        "Fecha de alta": "created_at",
        "Propietario": "marketing_owner",
        "Etapa": "stage",
    }


def test_names_are_compared_without_case_accents_or_spacing() -> None:
    assert proposed(["  E-MAIL ", "correo ELECTRONICO", "Compañía", "teléfono_móvil"]) == {
        "  E-MAIL ": "email",
        "Compañía": "company",
        "teléfono_móvil": "phone",
    }
    assert comparable("Correo  Electrónico") == "correo electronico"


def test_each_field_goes_to_one_column_the_best_named() -> None:
    header = ["Email - Home", "Email", "E-mail", "Favourite colour"]

    assert propose_mapping(header) == {1: "email"}


def test_a_lone_first_name_is_the_whole_name() -> None:
    assert proposed(["Nombre", "Correo"]) == {"Nombre": "full_name", "Correo": "email"}
    assert proposed(["Name", "First name", "Last name"]) == {
        "Name": "full_name",
        "First name": "first_name",
        "Last name": "last_name",
    }


def test_every_field_is_proposed_for_its_own_name() -> None:
    names = [field.name for field in IMPORT_FIELDS]

    assert list(propose_mapping(names).values()) == names


# Cells.


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234.5", "1234.5"),
        ("12,5", "12.5"),
        ("1.234", "1234"),
        ("1,234", "1234"),
        ("0,123", "0.123"),
        ("1.234.567", "1234567"),
        ("€ 1.234,56", "1234.56"),
        ("1.234,56 €", "1234.56"),
        ("$1,000", "1000"),
        ("USD 1,000.00", "1000.00"),
        ("12.500,00 EUR", "12500.00"),
        ("1 234 567,89", "1234567.89"),
        ("1\u202f234,5", "1234.5"),
        ("1'234.50", "1234.50"),
        ("-12", "-12"),
        ("(1,234.00)", "-1234.00"),
        ("7", "7"),
    ],
)
def test_amounts_in_either_convention(text: str, amount: str) -> None:
    assert parse_decimal(text) == Decimal(amount)


def test_the_files_decimal_mark_settles_ambiguous_amounts() -> None:
    assert parse_decimal("1.234", decimal_mark=".") == Decimal("1.234")
    assert parse_decimal("1.234", decimal_mark=",") == Decimal("1234")
    with pytest.raises(CellError):
        parse_decimal("1,5", decimal_mark=".")


@pytest.mark.parametrize(
    "text", ["", "abc", "12 abc", "1,23,4", "1.234,5.6", "1e5", "--1", "12-", "1..2", ",5", "5,"]
)
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(CellError) as refused:
        parse_decimal(text)

    assert refused.value.message == f"“{text.strip()}” is not an amount."


@given(
    st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2),
    st.sampled_from(["es", "en", "plain"]),
    st.sampled_from(["{}", "€{}", "{} €", "{} EUR", "-{}"]),
)
def test_amounts_written_any_way_read_back(amount: Decimal, style: str, template: str) -> None:
    english = f"{amount:,.2f}"
    written = {
        "en": english,
        "es": english.replace(",", " ").replace(".", ",").replace(" ", "."),
        "plain": f"{amount:.2f}",
    }[style]

    sign = -1 if template.startswith("-") else 1
    assert parse_decimal(template.format(written)) == sign * amount


@override_settings(TIME_ZONE="Europe/Madrid")
@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-03-01", "2024-03-01T00:00:00+01:00"),
        ("2024-03-01 10:22", "2024-03-01T10:22:00+01:00"),
        ("2024-03-01 10:22:05", "2024-03-01T10:22:05+01:00"),
        ("2024-03-01T10:22:05.123Z", "2024-03-01T10:22:05.123000+00:00"),
        ("2024-07-01T10:22:00+02:00", "2024-07-01T10:22:00+02:00"),
        ("01/03/2024", "2024-03-01T00:00:00+01:00"),
        ("1/3/24", "2024-03-01T00:00:00+01:00"),
        ("01.03.2024 10:22", "2024-03-01T10:22:00+01:00"),
        ("01-03-2024", "2024-03-01T00:00:00+01:00"),
        ("45352", "2024-03-01T00:00:00+01:00"),
        ("45352.75", "2024-03-01T18:00:00+01:00"),
    ],
)
def test_dates_and_times(text: str, moment: str) -> None:
    assert parse_datetime(text) == datetime.datetime.fromisoformat(moment)


def test_us_dates_month_first() -> None:
    assert parse_date("03/01/2024 10:22 PM", day_first=False) == datetime.date(2024, 3, 1)
    assert parse_datetime("03/01/2024 12:05 AM", day_first=False).hour == 0
    assert parse_date("03/01/2024") == datetime.date(2024, 1, 3)


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "31/02/2024", "2024-13-01", "2024", "1/3", "13:00", "01/03/1850", "99999999"],
)
def test_what_is_not_a_date(text: str) -> None:
    with pytest.raises(CellError) as refused:
        parse_date(text)

    assert refused.value.message == (
        f"“{text}” is not a date: write it as 31/12/2024 or 2024-12-31."
    )


@given(st.dates(min_value=datetime.date(1928, 1, 1), max_value=datetime.date(2199, 12, 31)))
def test_dates_written_any_way_read_back(day: datetime.date) -> None:
    serial = (day - datetime.date(1899, 12, 30)).days
    written = [day.isoformat(), day.strftime("%d/%m/%Y"), f"{day:%Y-%m-%d} 10:22"]
    if serial < 100_000:
        written.append(str(serial))

    assert {parse_date(text) for text in written} == {day}


def test_emails() -> None:
    assert parse_email(" Ann.Lee@Example.COM ") == "Ann.Lee@Example.COM"
    assert parse_email("ann\u200b@example.com") == "ann@example.com"
    assert parse_email("\uff41\uff4e\uff4e@example.com") == "ann@example.com"
    for text in ["", "ann", "ann@", "ann@@example.com", f"{'a' * 65}@example.com"]:
        with pytest.raises(CellError) as refused:
            parse_email(text)
        assert refused.value.message == f"“{text}” is not an email address."


def test_text_is_one_line_within_the_leads_column() -> None:
    limit = FIELDS_BY_NAME["company"].max_length

    assert limit == 150
    assert FIELDS_BY_NAME["last_name"].max_length == 150
    assert FIELDS_BY_NAME["notes"].max_length is None
    assert parse_text("  Cañas\r\ny  Compañía\t S.L. ", max_length=limit) == "Cañas y Compañía S.L."
    with pytest.raises(CellError) as refused:
        parse_text("x" * 151, max_length=limit)
    assert refused.value.message == f"“{'x' * 30}…” is longer than 150 characters."


def test_hubspot_contacts_export_in_spanish() -> None:
    header = [
        "ID de registro",
        "Nombre",
        "Apellidos",
        "Correo",
        "Número de teléfono",
        "Nombre de la empresa",
        "Cargo",
        "País/región",
        "Etapa del ciclo de vida",
        "Propietario del contacto",
        "Fecha de creación",
        "Fuente original",
    ]

    assert list(propose_mapping(header).values()) == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "job_title",
        "country",
        "stage",
        "marketing_owner",
        "created_at",
        "source",
    ]


def test_odoo_leads_export_in_english() -> None:
    header = [
        "Opportunity",
        "Contact Name",
        "Email",
        "Phone",
        "Customer",
        "Salesperson",
        "Sales Team",
        "Stage",
        "Expected Revenue",
        "Expected Closing",
        "Created on",
        "Country",
        "Source",
        "Campaign",
        "Medium",
        "Tags",
        "Job Position",
        "Company Name",
        "Probability",
        "Lost Reason",
        "Internal Notes",
    ]

    assert proposed(header) == {
        "Contact Name": "full_name",
        "Email": "email",
        "Phone": "phone",
        "Salesperson": "sales_owner",
        "Stage": "stage",
        "Expected Revenue": "expected_value",
        "Expected Closing": "expected_close_date",
        "Created on": "created_at",
        "Country": "country",
        "Source": "source",
        "Campaign": "campaign",
        "Job Position": "job_title",
        "Company Name": "company",
        "Internal Notes": "notes",
    }


def test_pipedrive_people_export() -> None:
    header = [
        "Name",
        "First name",
        "Last name",
        "Email - Work",
        "Email - Home",
        "Phone - Work",
        "Phone - Mobile",
        "Organization",
        "Owner",
        "Person created",
        "Labels",
    ]

    assert proposed(header) == {
        "Name": "full_name",
        "First name": "first_name",
        "Last name": "last_name",
        "Email - Work": "email",
        "Phone - Work": "phone",
        "Organization": "company",
        "Owner": "marketing_owner",
        "Person created": "created_at",
    }
