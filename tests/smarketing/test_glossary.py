"""The Spanish catalogue speaks the glossary's words and none of the words it retires."""

import re
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "locale" / "es" / "GLOSSARY.md"
SPANISH = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"


def retired_words() -> dict[str, str]:
    """Each retired word of the glossary's table, with the English term it used to stand for."""
    retired = {}
    for line in GLOSSARY.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "") or set(cells[0]) <= {"-"}:
            continue
        for word in filter(None, (word.strip() for word in cells[2].split(","))):
            retired[word] = cells[0]
    return retired


def translations() -> list[tuple[str, str]]:
    catalogue = polib.pofile(str(SPANISH))
    return [
        (entry.msgid, text)
        for entry in catalogue
        if not entry.obsolete
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if text
    ]


def test_the_glossary_retires_the_words_a_spanish_team_stumbles_on() -> None:
    assert {"reclamar", "reclamo", "acuerdo", "responsable"} <= set(retired_words())


def test_no_translation_uses_a_retired_word() -> None:
    retired = retired_words()
    patterns = {word: re.compile(rf"\b{re.escape(word)}", re.IGNORECASE) for word in retired}
    found = [
        f"{word!r} ({retired[word]}) in {msgid!r}"
        for msgid, text in translations()
        for word, pattern in patterns.items()
        if pattern.search(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("context", "spanish"),
    [("link to edit", "Modificar"), ("difference from the week before", "Variación")],
)
def test_change_is_translated_by_what_it_is(context: str, spanish: str) -> None:
    with translation.override("es"):
        assert translation.pgettext(context, "Change") == spanish


@pytest.mark.parametrize(("won", "spanish"), [(1, "1 ganado"), (3, "3 ganados")])
def test_counts_take_the_plural_they_need(won: int, spanish: str) -> None:
    template = Template(
        "{% load i18n %}{% blocktranslate count won=won %}{{ won }} won"
        "{% plural %}{{ won }} won{% endblocktranslate %}"
    )
    with translation.override("es"):
        assert template.render(Context({"won": won})) == spanish


def test_visitors_are_addressed_as_usted() -> None:
    with translation.override("es"):
        assert "con usted" in translation.gettext("Thank you! We will be in touch soon.")
        assert translation.gettext("Please check the form") == "Revise el formulario"


def test_a_won_lead_is_announced_without_a_gender() -> None:
    with translation.override("es"):
        said = translation.gettext("%(name)s is won. Well done.") % {"name": "Ada"}
    # "Ada está ganado" gives the person a gender; the deal is what is won.
    assert said == "Negocio ganado con Ada. ¡Bien hecho!"


def test_the_empty_choice_of_a_select_is_translated() -> None:
    from leads.models import Lead

    source = Lead._meta.get_field("source")
    with translation.override("es"):
        [(value, label), *_] = source.get_choices(include_blank=True)
        assert (value, str(label)) == ("", "- Elige una opción -")
