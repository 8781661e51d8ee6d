"""English is the source language; the Spanish catalogue ships complete and current."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
SPANISH = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".data", ".git", "staticfiles", "node_modules", "test-results", "*.mo", "__pycache__"
)


def _translatable(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def test_every_spanish_entry_is_translated_and_not_fuzzy() -> None:
    catalogue = polib.pofile(str(SPANISH))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert _translatable(catalogue), "the Spanish catalogue is empty"
    assert untranslated == [], f"untranslated: {untranslated}"
    assert fuzzy == [], f"fuzzy: {fuzzy}"


def test_the_spanish_catalogue_has_every_message_of_the_source(tmp_path: Path) -> None:
    """Extract the messages afresh from a copy of the source and compare (run `make messages`)."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "es", "--no-obsolete"],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "smarketing.settings"},
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    shipped = polib.pofile(str(SPANISH))

    missing = {entry.msgid for entry in _translatable(fresh)} - {
        entry.msgid for entry in _translatable(shipped)
    }

    assert missing == set(), f"messages missing from the catalogue: {sorted(missing)}"


@pytest.mark.django_db
def test_the_organisation_default_language_applies_before_login(client: Client) -> None:
    with override_settings(LANGUAGE_CODE="es"):
        response = client.get(reverse("login"))

    assert response["Content-Language"] == "es"
    assert "Iniciar sesión" in response.content.decode()


@pytest.mark.django_db
def test_a_user_who_picks_spanish_sees_the_product_in_spanish(client: Client, marketer) -> None:
    client.force_login(marketer)

    client.post(reverse("preferences"), {"language": "es"})
    response = client.get(reverse("home"))

    assert response["Content-Language"] == "es"
    assert "El embudo compartido" in response.content.decode()
