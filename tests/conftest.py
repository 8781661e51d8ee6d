from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_finders() -> Iterator[None]:
    """Serve static files from the apps, as in development: tests do not run collectstatic."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture
def marketer(db: None) -> User:
    return UserFactory.create(username="marketer", first_name="Maria", roles=[Role.MARKETING])


@pytest.fixture
def sales_rep(db: None) -> User:
    return UserFactory.create(username="rep", first_name="Sam", roles=[Role.SALES])


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory.create(username="manager", first_name="Morgan", roles=[Role.MANAGERS])
