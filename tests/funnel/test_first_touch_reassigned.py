"""A reassignment starts no new first-touch clock: the lead page, the dashboard's figure, the
rep's day on the home page and the digest read the same first touch of the lead since its
claim, whoever made it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from dashboard.rollup import refresh_rollups
from dashboard.selectors import dashboard
from digests.selectors import untouched_sqls
from funnel.models import ChangeKind, PeriodKind, Stage, StageChange
from funnel.periods import period_containing
from funnel.selectors import rep_day
from funnel.services import claim_lead, move_lead, reassign_lead
from leads.activities import add_activity
from leads.models import Activity, ActivityKind, Lead
from tests.digests.steps import this_week
from tests.factories import LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db

# The SQL stage allows 24 hours for the first touch; the claims were 30 hours ago.
CLAIMED_HOURS_AGO = 30


def claimed_long_ago(name: str, *, marketer: User, rep: User) -> Lead:
    lead = LeadFactory.create(
        full_name=name, company="Acme", persona=PersonaFactory.create(), marketing_owner=marketer
    )
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=marketer)
    claim_lead(lead_id=lead.pk, rep=rep)
    claimed_at = timezone.now() - timedelta(hours=CLAIMED_HOURS_AGO)
    StageChange.objects.filter(lead=lead, kind=ChangeKind.CLAIMED).update(at=claimed_at)
    Lead.objects.filter(pk=lead.pk).update(stage_entered_at=claimed_at, created_at=claimed_at)
    return Lead.objects.get(pk=lead.pk)


def touched(lead: Lead, by: User, *, hours_after_claim: float) -> None:
    call = add_activity(lead=lead, kind=ActivityKind.CALL, body="Intro call.", author=by)
    claim = StageChange.objects.get(lead=lead, kind=ChangeKind.CLAIMED)
    Activity.objects.filter(pk=call.pk).update(
        created_at=claim.at + timedelta(hours=hours_after_claim)
    )


def test_page_dashboard_home_and_digest_agree_on_a_reassigned_lead(
    client: Client, maria: User, sam: User, riley: User, manager: User
) -> None:
    in_time = claimed_long_ago("Touched Then Reassigned", marketer=maria, rep=sam)
    touched(in_time, sam, hours_after_claim=2)
    never = claimed_long_ago("Never Touched", marketer=maria, rep=sam)
    for lead in (in_time, never):
        reassign_lead(lead_id=lead.pk, actor=manager, sales_owner_id=riley.pk)
    client.force_login(riley)

    touched_page = client.get(f"/leads/{in_time.pk}/").content.decode()
    untouched_page = client.get(f"/leads/{never.pk}/").content.decode()
    refresh_rollups()
    now = timezone.now()
    figures = dashboard(
        period=period_containing(timezone.localdate(now), kind=PeriodKind.QUARTER), now=now
    ).agreement
    day = rep_day(rep=riley, now=now)
    digest = untouched_sqls(this_week(), rep=riley)
    whole_team = untouched_sqls(this_week())

    # timesince puts a no-break space between a number and its unit.
    assert "First touch 2\xa0hours after the claim." in touched_page
    assert "No touch yet" not in touched_page
    assert "No touch yet, 1\xa0day after the claim: past the limit." in untouched_page
    assert (figures.claims, figures.touched_in_time) == (2, 1)
    assert [row.lead.full_name for row in day.untouched] == ["Never Touched"]
    assert [row["name"] for row in digest["leads"]] == ["Never Touched"]
    assert (digest["count"], digest["overdue"]) == (1, 1)
    assert (whole_team["count"], whole_team["overdue"]) == (1, 1)
