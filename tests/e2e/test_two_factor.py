"""Two-factor authentication in the browser: turning on an authenticator app, logging in with
its code or a recovery code, and a manager made to set it up first."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.accounts.two_factor import code_now, turn_on, wrong_code
from tests.e2e.conftest import PHONE, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Log in").click()


def test_turning_on_an_authenticator_app_then_logging_in_with_its_code(
    page: Page, live_server: LiveServer, screenshot: Screenshot, marketer: User
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, marketer.username, PASSWORD)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    expect(page.get_by_text("An authenticator app is not active.")).to_be_visible()
    screenshot("security")

    page.get_by_role("link", name="Activate").click()
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    screenshot("security-confirm-password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.get_by_role("img")).to_have_attribute("src", re.compile(r"^data:image/svg"))
    secret = page.get_by_label("Authenticator secret").input_value()
    screenshot("security-activate")
    page.get_by_label("Authenticator code").fill(wrong_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    page.get_by_label("Authenticator code").fill(code_now(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    screenshot("security-recovery-codes")

    page.get_by_role("button", name="Log out").click()
    log_in(page, marketer.username, PASSWORD)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    screenshot("login-code")
    enter_code(page, wrong_code(secret))
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    screenshot("login-code-wrong")
    enter_code(page, code_now(secret))

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {marketer.first_name}")


def test_a_recovery_code_logs_in_without_the_phone(
    page: Page, live_server: LiveServer, screenshot: Screenshot, marketer: User
) -> None:
    two_factor = turn_on(marketer)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, marketer.username, PASSWORD)

    enter_code(page, two_factor.recovery_codes[0])

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {marketer.first_name}")
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_text("There are 9 out of 10 recovery codes available.")).to_be_visible()
    screenshot("security-on")


def test_a_manager_is_made_to_set_up_two_factor_before_anything_else(
    page: Page, live_server: LiveServer, screenshot: Screenshot, manager: User
) -> None:
    with override_settings(TWO_FACTOR_REQUIRED_FOR_MANAGERS=True):
        page.goto(f"{live_server.url}/accounts/login/")
        log_in(page, manager.username, PASSWORD)

        expect(page.get_by_role("status")).to_contain_text(
            "Managers must set up two-factor authentication before anything else"
        )
        screenshot("manager-must-set-up-two-factor")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
        expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()

        secret = page.get_by_label("Authenticator secret").input_value()
        page.get_by_label("Authenticator code").fill(code_now(secret))
        page.get_by_role("button", name="Activate").click()
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
        expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()


def test_the_pages_in_spanish_on_a_phone(
    page: Page, live_server: LiveServer, screenshot: Screenshot, marketer: User
) -> None:
    page.set_viewport_size(PHONE)
    two_factor = turn_on(marketer)
    marketer.language = "es"
    marketer.save(update_fields=["language"])
    with override_settings(LANGUAGE_CODE="es"):
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.get_by_role("heading", name="Iniciar sesión en smarketing")).to_be_visible()
        screenshot("phone-es-login")
        page.get_by_label("Nombre de usuario").fill(marketer.username)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("heading", name="Introduce tu código")).to_be_visible()
        screenshot("phone-es-login-code")
        page.get_by_label("Código").fill(code_now(two_factor.secret))
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hola, {marketer.first_name}")

        page.goto(f"{live_server.url}/accounts/2fa/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile("Autenticación de doble factor|Autenticación de dos factores")
        )
        screenshot("phone-es-security")
        page.goto(f"{live_server.url}/accounts/2fa/recovery-codes/")
        screenshot("phone-es-recovery-codes")
