import os
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import User
from accounts.roles import Role, ensure_role_groups
from funnel.defaults import ensure_default_funnel
from funnel.models import Reason, Stage, Transition
from smarketing import ratelimit
from smarketing.celery import app as celery_app
from tests.factories import UserFactory

# The suite shares a 2-core machine between its workers, a browser and the fault suite's
# servers: how long an example takes to generate or run says nothing about the code tested.
hypothesis_settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("shared-machine")


@pytest.fixture(autouse=True)
def _site_language() -> None:
    """Each test starts in the site's language: a request as a Spanish reader leaves Spanish
    active in the test's thread (the middleware activates a language per request; nothing
    puts the default back), which a later test's labels would be read in."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits count per clock minute: their clock is pinned inside one, so that requests
    which take a while on a busy machine never straddle two windows."""
    pinned = (time.time() // 60) * 60 + 1
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: pinned))


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    """Static files straight from the apps (tests do not run collectstatic), and a fast password
    hasher: the production one takes half a second per check by design, and tests log in a lot."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        STORAGES=storages,
        STATIC_ROOT=None,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _celery_queue_of_this_worker() -> Iterator[None]:
    """Test processes share one broker: each sends its tasks to, and its test Celery workers
    listen on, a queue of its own, so no test runs another test's task on its own database."""
    default = celery_app.conf.task_default_queue
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    celery_app.conf.task_default_queue = f"tests-{worker}"
    yield
    celery_app.conf.task_default_queue = default


@pytest.fixture
def migrated_data(transactional_db: None) -> None:
    """Put back the role groups and the default funnel that the data migrations create.

    Tests that commit (transactional_db) leave every table emptied behind them. Django's
    serialized rollback cannot restore the rows in browser tests: Playwright's sync API keeps an
    asyncio loop running in the test thread, so Django hands the test another connection object,
    one without the copy serialized at setup.
    """
    ensure_role_groups(Group)
    ensure_default_funnel(Stage, Reason, Transition)


@pytest.fixture
def marketer(db: None) -> User:
    return UserFactory.create(username="marketer", first_name="Maria", roles=[Role.MARKETING])


@pytest.fixture
def sales_rep(db: None) -> User:
    return UserFactory.create(username="rep", first_name="Sam", roles=[Role.SALES])


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory.create(username="manager", first_name="Morgan", roles=[Role.MANAGERS])


# Named colleagues, for stories told with people in them.
@pytest.fixture
def maria() -> User:
    return UserFactory.create(
        username="maria", first_name="Maria", last_name="Lindqvist", roles=[Role.MARKETING]
    )


@pytest.fixture
def sam() -> User:
    return UserFactory.create(
        username="sam", first_name="Sam", last_name="Whitaker", roles=[Role.SALES]
    )


@pytest.fixture
def riley() -> User:
    return UserFactory.create(
        username="riley", first_name="Riley", last_name="Chen", roles=[Role.SALES]
    )
