"""Small funnels built by hand, through the services people use, for the digest's figures."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from digests.selectors import Week, week_of
from funnel.models import Reason, Stage
from funnel.services import claim_lead, move_lead
from leads.activities import add_activity
from leads.models import ActivityKind, Lead
from tests.factories import LeadFactory, PersonaFactory


def this_week(*, hours_later: float = 0) -> Week:
    """The current week (whatever happens in a test happens in it), read `hours_later` from
    now: the way to let leads wait without waiting."""
    now = timezone.now()
    today = timezone.localtime(now).date()
    return week_of(monday(today), now=now + timedelta(hours=hours_later))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def reason(slug: str) -> Reason:
    return Reason.objects.get(slug=slug)


@dataclass
class Funnel:
    marketer: User
    rep: User

    def new_lead(self, name: str = "Ada Lovelace", **fields: object) -> Lead:
        details: dict[str, object] = {
            "full_name": name,
            "company": f"{name} Ltd",
            "persona": PersonaFactory.create(name="Engineering lead"),
            "marketing_owner": self.marketer,
        }
        return LeadFactory.create(**(details | fields))

    def mql(self, name: str = "Ada Lovelace", **fields: object) -> Lead:
        lead = self.new_lead(name, **fields)
        return move_lead(lead_id=lead.pk, to_stage_id=stage("mql").pk, actor=self.marketer)

    def sql(self, name: str = "Ada Lovelace", *, rep: User | None = None, **fields: object) -> Lead:
        lead = self.mql(name, **fields)
        return claim_lead(lead_id=lead.pk, rep=rep or self.rep)

    def opportunity(self, name: str = "Ada Lovelace", *, value: str = "1000") -> Lead:
        lead = self.sql(name)
        return move_lead(
            lead_id=lead.pk,
            to_stage_id=stage("opportunity").pk,
            actor=self.rep,
            value=Decimal(value),
            close_date=timezone.localdate() + timedelta(days=30),
        )

    def won(self, name: str = "Ada Lovelace", *, value: str = "1000") -> Lead:
        lead = self.opportunity(name, value=value)
        return move_lead(
            lead_id=lead.pk, to_stage_id=stage("won").pk, actor=self.rep, value=Decimal(value)
        )

    def lost(self, name: str, *, why: str) -> Lead:
        lead = self.sql(name)
        return move_lead(
            lead_id=lead.pk, to_stage_id=stage("lost").pk, actor=self.rep, reason_id=reason(why).pk
        )

    def recycled(self, name: str, *, why: str) -> Lead:
        lead = self.sql(name)
        return move_lead(
            lead_id=lead.pk,
            to_stage_id=stage("working").pk,
            actor=self.rep,
            reason_id=reason(why).pk,
        )

    def touch(self, lead: Lead, *, by: User | None = None, kind: str = ActivityKind.CALL) -> None:
        add_activity(
            lead=lead, kind=ActivityKind(kind), body="Called, talked budget.", author=by or self.rep
        )
