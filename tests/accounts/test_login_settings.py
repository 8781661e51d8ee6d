"""Two-factor and single sign-on settings from the environment."""

import pytest

from smarketing.env import SettingsError
from tests.smarketing.test_settings import _load_settings

SSO_VARIABLES = {
    "OIDC_ISSUER_URL": "https://login.example.com/realms/crm",
    "OIDC_CLIENT_ID": "smarketing",
    "OIDC_CLIENT_SECRET": "the client secret",
    "OIDC_BUTTON_LABEL": "Example login",
}


def test_by_default_there_is_no_single_sign_on_and_two_factor_is_each_persons_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [*SSO_VARIABLES, "TWO_FACTOR_REQUIRED_FOR_MANAGERS"]:
        monkeypatch.delenv(name, raising=False)

    settings = _load_settings(monkeypatch)

    assert settings["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []
    assert settings["SECURE_CSP"]["form-action"] == ["'self'"]
    assert settings["TWO_FACTOR_REQUIRED_FOR_MANAGERS"] is False


def test_an_issuer_turns_single_sign_on_on_and_lets_the_login_form_go_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _load_settings(monkeypatch, **SSO_VARIABLES, TWO_FACTOR_REQUIRED_FOR_MANAGERS="1")

    [app] = settings["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["name"] == "Example login"
    assert (app["client_id"], app["secret"]) == ("smarketing", "the client secret")
    assert app["settings"] == {"server_url": "https://login.example.com/realms/crm"}
    assert settings["SECURE_CSP"]["form-action"] == ["'self'", "https://login.example.com"]
    assert settings["TWO_FACTOR_REQUIRED_FOR_MANAGERS"] is True


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"OIDC_CLIENT_ID": None}, "OIDC_CLIENT_ID"),
        ({"OIDC_CLIENT_SECRET": None}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_ISSUER_URL": "login.example.com"}, "OIDC_ISSUER_URL"),
        ({"TWO_FACTOR_REQUIRED_FOR_MANAGERS": "sometimes"}, "TWO_FACTOR_REQUIRED_FOR_MANAGERS"),
    ],
)
def test_a_missing_or_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str | None], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        _load_settings(monkeypatch, **{**SSO_VARIABLES, **overrides})
