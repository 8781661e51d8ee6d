"""A digest is built once per person and week, for a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.roles import Role
from dashboard.rollup import refresh_rollups
from digests.models import Digest, DigestPreference, DigestRole, TeamWeek
from digests.selectors import QUEUE_ROWS
from digests.services import NoDigestRole, build_digest, set_digest_email, wants_digest_email
from tests.digests.steps import Funnel, this_week
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_digest_is_built_once_and_then_always_read_back(sales_rep, marketer) -> None:
    week = this_week().monday
    funnel = Funnel(marketer=marketer, rep=sales_rep)
    funnel.sql("Ada Lovelace")

    first = build_digest(user=sales_rep, week=week)
    funnel.sql("Grace Hopper")
    again = build_digest(user=sales_rep, week=week)

    assert again.pk == first.pk
    assert again.content == first.content
    assert first.content["me"]["untouched"]["count"] == 1
    assert first.role == DigestRole.SALES
    assert Digest.objects.count() == 1
    assert TeamWeek.objects.count() == 1


def test_everyones_digest_of_a_week_shares_the_same_team_figures(
    sales_rep, marketer, manager
) -> None:
    week = this_week().monday
    Funnel(marketer=marketer, rep=sales_rep).mql("Ada Lovelace")
    rep_digest = build_digest(user=sales_rep, week=week)
    Funnel(marketer=marketer, rep=sales_rep).mql("Grace Hopper")
    manager_digest = build_digest(user=manager, week=week)

    assert manager_digest.content["team"] == rep_digest.content["team"]
    assert manager_digest.content["team"]["queue"]["count"] == 1
    assert manager_digest.content["me"] == {}


def test_someone_in_no_team_gets_no_digest() -> None:
    outsider = UserFactory.create()

    with pytest.raises(NoDigestRole):
        build_digest(user=outsider, week=this_week().monday)
    assert not Digest.objects.exists()


def _queries_to_build(user, week) -> int:
    person = User.objects.get(pk=user.pk)  # as a task loads it: roles not read yet
    with CaptureQueriesContext(connection) as queries:
        build_digest(user=person, week=week)
    return len(queries)


@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.MANAGERS])
def test_building_a_digest_costs_the_same_queries_with_5_or_50_leads(role) -> None:
    week = this_week().monday
    marketer = UserFactory.create(roles=[Role.MARKETING])
    rep = UserFactory.create(roles=[Role.SALES])
    funnel = Funnel(marketer=marketer, rep=rep)
    person = {Role.SALES: rep, Role.MARKETING: marketer}.get(role) or UserFactory.create(
        roles=[role]
    )
    for number in range(5):
        funnel.won(f"Won {number}")
        funnel.recycled(f"Back {number}", why="no-budget")
    refresh_rollups()
    few = _queries_to_build(person, week)
    Digest.objects.all().delete()
    TeamWeek.objects.all().delete()
    for number in range(45):
        funnel.won(f"More {number}")
        funnel.recycled(f"Again {number}", why="not-ready")
    refresh_rollups()

    many = _queries_to_build(person, week)

    # Digest lookup, roles, stages, team week lookup, the team's figures (the agenda's 14 from
    # the dashboard's selectors, which reuse the week's stages, reasons and personas, then the
    # queue and stuck leads), team week insert (in a savepoint: 3), the person's figures
    # (sales 6, marketing 4), digest insert (3).
    expected = {Role.SALES: 37, Role.MARKETING: 35, Role.MANAGERS: 31}[role]
    assert (few, many) == (expected, expected)


def test_the_email_is_on_until_the_person_turns_it_off(sales_rep) -> None:
    assert wants_digest_email(sales_rep) is True

    set_digest_email(user=sales_rep, enabled=False)
    assert wants_digest_email(sales_rep) is False
    set_digest_email(user=sales_rep, enabled=True)

    assert wants_digest_email(sales_rep) is True
    assert DigestPreference.objects.count() == 1


def test_a_digest_is_built_without_a_secret_key(sales_rep, marketer, settings) -> None:
    """seed_demo builds the demo's digests from a bare shell: a queue longer than the digest
    shows has a next page, whose signed cursor nobody asks for."""
    funnel = Funnel(marketer=marketer, rep=sales_rep)
    for number in range(QUEUE_ROWS + 1):
        funnel.mql(f"Waiting {number}")
    settings.SECRET_KEY = ""

    digest = build_digest(user=sales_rep, week=this_week().monday)

    assert digest.content["team"]["queue"]["count"] == QUEUE_ROWS + 1
    assert len(digest.content["team"]["queue"]["leads"]) == QUEUE_ROWS
