"""Reads of the funnel, aggregated in SQL."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import Coalesce

from funnel.models import Stage


@dataclass(frozen=True)
class StageSummary:
    stage: Stage
    count: int
    value: Decimal


def stage_summaries(
    *, leads_filter: Q | None = None, teams: Collection[str] | None = None
) -> list[StageSummary]:
    """The stages in order (all, or those owned by `teams`), with the number and summed expected
    value of their leads.

    `leads_filter` narrows the leads counted, written from the stage (`leads__sales_owner=...`).
    One query, whatever the number of leads.
    """
    condition = leads_filter if leads_filter is not None else Q()
    stages = Stage.objects.filter(team__in=teams) if teams is not None else Stage.objects.all()
    stages = stages.annotate(
        lead_count=Count("leads", filter=condition),
        lead_value=Coalesce(Sum("leads__expected_value", filter=condition), Decimal(0)),
    ).order_by("position")
    return [
        StageSummary(stage=stage, count=stage.lead_count, value=stage.lead_value)
        for stage in stages
    ]


@dataclass(frozen=True)
class Queue:
    count: int
    oldest_since: datetime | None


def unclaimed_mql_queue() -> Queue:
    """MQLs that no sales rep has claimed yet, and since when the oldest has waited."""
    waiting = Stage.objects.filter(slug="mql").aggregate(
        count=Count("leads", filter=Q(leads__sales_owner__isnull=True)),
        oldest=Min("leads__stage_entered_at", filter=Q(leads__sales_owner__isnull=True)),
    )
    return Queue(count=waiting["count"], oldest_since=waiting["oldest"])
