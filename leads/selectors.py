"""Reads of leads, shaped for the pages that show them."""

from django.db.models import QuerySet

from accounts.models import User
from leads.models import Lead


def recent_leads_owned_by(*, marketer: User, limit: int = 10) -> QuerySet[Lead]:
    return (
        Lead.objects.filter(marketing_owner=marketer)
        .select_related("stage", "persona")
        .order_by("-created_at", "-id")[:limit]
    )
