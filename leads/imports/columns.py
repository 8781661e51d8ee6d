"""Which lead field each column of an imported file fills: the fields a column can map to, and a
first proposal made from the header's names, which the person then corrects.

The proposal knows the names in English and Spanish and those of HubSpot, Pipedrive and Odoo
exports (in both languages), compared without regard to letter case, accents, spacing or
punctuation ("E-mail", "Correo electrónico", "Person - Email - Work"). Each field goes to at
most one column: the one whose name matches best (an exact name before one found by dropping a
"Person -"/"Deal -" prefix or a "- Work" suffix), the leftmost among equals. Columns matching no
field are left unmapped; nothing is guessed from the cells.

The fields (IMPORT_FIELDS, by name):
- email, full_name, first_name, last_name (a name is full_name when mapped, otherwise first and
  last name joined), phone, company, job_title, country, campaign, notes: text.
- source, persona, stage: values the person maps to ours (or new personas).
- marketing_owner, sales_owner: user names or emails the person maps to users.
- expected_value (a decimal amount), expected_close_date (a date), created_at (a date or time).
- The history, dates a lead entered a stage (HubSpot's "Became a ... Date", Pipedrive's and
  Odoo's won and lost times): became_mql_at, became_sql_at, became_opportunity_at, won_at,
  lost_at.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from leads.models import Lead


class Kind:
    """How a field's cells are read (leads.imports.cells) and mapped."""

    TEXT = "text"
    EMAIL = "email"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    # Values the person maps to the product's own: stages, sources, personas, users.
    CHOICE = "choice"
    USER = "user"


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str | Promise
    kind: str
    # Header names that mean this field, as `comparable` writes them.
    names: frozenset[str]
    # The longest text the lead's column holds (for parse_text), for text kept on the lead.
    max_length: int | None = None


def comparable(name: str) -> str:
    """A header name as the proposal compares it: without accents, in lower case, each run of
    anything but letters and digits one space ("Correo  Electrónico" -> "correo electronico")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.split(r"[\W_]+", plain)).strip()


# Parts of the name are held to the whole name's length; notes become a note on the timeline.
_STORED_AS = {"first_name": "full_name", "last_name": "full_name"}


def _field(name: str, label: str | Promise, kind: str, *names: str) -> ImportField:
    max_length = None
    if kind == Kind.TEXT and name != "notes":
        column = Lead._meta.get_field(_STORED_AS.get(name, name))
        assert isinstance(column, models.CharField)  # noqa: S101 (the lead's text columns)
        max_length = column.max_length
    return ImportField(
        name, label, kind, frozenset(comparable(n) for n in (name, *names)), max_length
    )


IMPORT_FIELDS: Final = (
    _field(
        "email",
        _("email"),
        Kind.EMAIL,
        "Email",
        "E-mail",
        "Email address",
        "E-mail address",
        "Emails",
        "Work email",
        "Contact email",
        "Person email",
        "Deal - Person email",
        "Correo",
        "Correo electronico",
        "Correo-e",
        "Direccion de correo",
        "Direccion de correo electronico",
        "Email del contacto",
        "Mail",
    ),
    _field(
        "full_name",
        _("name"),
        Kind.TEXT,
        "Name",
        "Full name",
        "Contact name",
        "Contact",
        "Person",
        "Person name",
        "Lead name",
        "Nombre completo",
        "Nombre del contacto",
        "Contacto",
        "Persona de contacto",
        "Deal - Contact person",
    ),
    _field(
        "first_name",
        _("first name"),
        Kind.TEXT,
        "First name",
        "Firstname",
        "Given name",
        "Nombre",
        "Nombre de pila",
    ),
    _field(
        "last_name",
        _("last name"),
        Kind.TEXT,
        "Last name",
        "Lastname",
        "Surname",
        "Family name",
        "Apellido",
        "Apellidos",
    ),
    _field(
        "phone",
        _("phone"),
        Kind.TEXT,
        "Phone",
        "Phone number",
        "Telephone",
        "Mobile",
        "Mobile phone",
        "Mobile phone number",
        "Telefono",
        "Numero de telefono",
        "Movil",
        "Telefono movil",
    ),
    _field(
        "company",
        _("company"),
        Kind.TEXT,
        "Company",
        "Company name",
        "Organization",
        "Organisation",
        "Organization name",
        "Organisation name",
        "Account",
        "Account name",
        "Empresa",
        "Nombre de la empresa",
        "Compania",
        "Organizacion",
        "Nombre de la organizacion",
        "Deal - Organization",
        "Deal - Organisation",
    ),
    _field(
        "job_title",
        _("job title"),
        Kind.TEXT,
        "Job title",
        "Title",
        "Position",
        "Job position",
        "Role",
        "Cargo",
        "Puesto",
        "Puesto de trabajo",
        "Titulo del puesto",
    ),
    _field(
        "country",
        _("country"),
        Kind.TEXT,
        "Country",
        "Country/Region",
        "Country region",
        "Pais",
        "Pais/region",
    ),
    _field(
        "source",
        _("source"),
        Kind.CHOICE,
        "Source",
        "Lead source",
        "Original source",
        "Origen",
        "Fuente",
        "Fuente original",
        "Origen del lead",
        "Deal - Source origin",
        "Deal - Source",
        "Canal",
    ),
    _field(
        "campaign",
        _("campaign"),
        Kind.TEXT,
        "Campaign",
        "Campaign name",
        "Campana",
        "Nombre de la campana",
    ),
    _field("persona", _("persona"), Kind.CHOICE, "Persona", "Buyer persona", "Perfil"),
    _field(
        "marketing_owner",
        _("marketing owner"),
        Kind.USER,
        "Owner",
        "Contact owner",
        "Lead owner",
        "Marketing owner",
        "Person owner",
        "Propietario",
        "Propietario del contacto",
        "Propietario del lead",
        "Responsable",
        "Responsable de marketing",
    ),
    _field(
        "sales_owner",
        _("sales owner"),
        Kind.USER,
        "Sales owner",
        "Salesperson",
        "Sales rep",
        "Sales representative",
        "Deal owner",
        "Account owner",
        "Comercial",
        "Vendedor",
        "Propietario del negocio",
        "Responsable comercial",
        "Responsable de ventas",
    ),
    _field(
        "stage",
        _("stage"),
        Kind.CHOICE,
        "Stage",
        "Lifecycle stage",
        "Deal stage",
        "Pipeline stage",
        "Etapa",
        "Etapa del ciclo de vida",
        "Etapa del negocio",
        "Fase",
    ),
    _field(
        "expected_value",
        _("expected value"),
        Kind.DECIMAL,
        "Value",
        "Deal value",
        "Amount",
        "Deal amount",
        "Recent deal amount",
        "Expected revenue",
        "Expected value",
        "Opportunity amount",
        "Importe",
        "Valor",
        "Valor del negocio",
        "Importe del negocio",
        "Ingreso esperado",
        "Ingresos esperados",
        "Valor esperado",
    ),
    _field(
        "expected_close_date",
        _("expected close date"),
        Kind.DATE,
        "Expected close date",
        "Close date",
        "Expected closing",
        "Expected closing date",
        "Fecha de cierre",
        "Fecha de cierre prevista",
        "Fecha prevista de cierre",
        "Cierre previsto",
        "Cierre esperado",
        "Deal - Expected close date",
    ),
    _field(
        "created_at",
        _("created"),
        Kind.DATETIME,
        "Created",
        "Create date",
        "Created date",
        "Created on",
        "Creation date",
        "Date created",
        "Deal created",
        "Deal - Deal created",
        "Person created",
        "Lead created",
        "Fecha de creacion",
        "Creado",
        "Creado el",
        "Fecha de alta",
    ),
    _field(
        "notes",
        _("notes"),
        Kind.TEXT,
        "Notes",
        "Note",
        "Internal notes",
        "Description",
        "Comments",
        "Notas",
        "Nota",
        "Notas internas",
        "Descripcion",
        "Comentarios",
        "Observaciones",
    ),
    _field(
        "became_mql_at",
        _("date it became MQL"),
        Kind.DATETIME,
        "Became a Marketing Qualified Lead Date",
        "Became an MQL date",
        "MQL date",
        "Date became MQL",
        "Fecha en que se convirtio en lead cualificado para marketing",
        "Fecha MQL",
        "Fecha de conversion a lead cualificado para marketing",
    ),
    _field(
        "became_sql_at",
        _("date it became SQL"),
        Kind.DATETIME,
        "Became a Sales Qualified Lead Date",
        "Became an SQL date",
        "SQL date",
        "Date became SQL",
        "Fecha en que se convirtio en lead cualificado para ventas",
        "Fecha SQL",
        "Fecha de conversion a lead cualificado para ventas",
    ),
    _field(
        "became_opportunity_at",
        _("date it became an opportunity"),
        Kind.DATETIME,
        "Became an Opportunity Date",
        "Opportunity date",
        "Date became opportunity",
        "Fecha en que se convirtio en oportunidad",
        "Fecha de oportunidad",
        "Fecha de conversion a oportunidad",
    ),
    _field(
        "won_at",
        _("date won"),
        Kind.DATETIME,
        "Won time",
        "Won date",
        "Date won",
        "Closed won date",
        "Became a Customer Date",
        "Fecha en que se convirtio en cliente",
        "Fecha de ganado",
        "Fecha ganado",
        "Ganado el",
        "Deal - Won time",
        "Fecha de conversion a cliente",
    ),
    _field(
        "lost_at",
        _("date lost"),
        Kind.DATETIME,
        "Lost time",
        "Lost date",
        "Date lost",
        "Closed lost date",
        "Fecha de perdido",
        "Fecha perdido",
        "Perdido el",
        "Deal - Lost time",
    ),
)
FIELDS_BY_NAME: Final = {field.name: field for field in IMPORT_FIELDS}

# "Person - Email", "Contact phone": the person a column is about, in Pipedrive's and others'
# exports; dropped to find the field's own name. A deal's columns ("Deal - Value") are named in
# full above: its title or owner is not the lead's.
_SUBJECTS = ("person", "contact", "lead", "contacto", "persona")
# Columns named like a field that are something else: a lead's or deal's title is its subject.
_NOT_FIELDS = frozenset({"lead title", "deal title", "deal name", "titulo del lead"})
# "Email - Work", "Phone - Mobile": which of several a column is.
_VARIANTS = ("work", "home", "other", "main", "primary", "trabajo", "personal", "principal")
_BY_NAME: Final = {name: field.name for field in IMPORT_FIELDS for name in field.names}


def _candidates(name: str) -> list[str]:
    """The forms of a header name to look up, best first: as written, without the subject,
    without the variant, without both."""
    words = comparable(name).split()
    if " ".join(words) in _NOT_FIELDS:
        return []
    forms = [words]
    if len(words) > 1 and words[0] in _SUBJECTS:
        forms.append(words[1:])
    for form in list(forms):
        if len(form) > 1 and form[-1] in _VARIANTS:
            forms.append(form[:-1])
    return [" ".join(form) for form in forms]


def propose_mapping(header: list[str]) -> dict[int, str]:
    """Column index -> field name, for the columns whose names we know; each field at most once,
    given to the column that names it best (then the leftmost)."""
    best: dict[str, tuple[int, int]] = {}
    for index, name in enumerate(header):
        for rank, form in enumerate(_candidates(name)):
            field = _BY_NAME.get(form)
            if field is None:
                continue
            if field not in best or (rank, index) < best[field]:
                best[field] = (rank, index)
            break
    mapping = {index: field for field, (_rank, index) in best.items()}
    if "first_name" in best and not {"last_name", "full_name"} & best.keys():
        # A "Nombre" (or "First name") with no surname beside it is the whole name.
        mapping[best["first_name"][1]] = "full_name"
    return dict(sorted(mapping.items()))
