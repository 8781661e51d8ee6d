"""Reads of what happened to a lead and what people wrote about it: the lead page's header and
timeline, and each person's mentions.

A timeline merges two tables (activities and stage changes). Each page reads at most `limit + 1`
rows of each, newest first, and merges them in Python: a constant number of queries per page,
however long the lead's history is. "Show older" continues from a cursor (the time, source and id
of the last entry shown), never from an offset.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from funnel.models import ChangeKind, Reason, Stage, StageChange
from funnel.selectors import LeadInStage
from leads.models import Activity, ActivityKind, Lead, Mention

PAGE_SIZE = 30
Source = Literal["activity", "change"]
# Entries at the same instant are ordered by source, then id (all descending): a total order, so
# a cursor names exactly one place in the timeline.
_SOURCE_RANK: dict[Source, int] = {"activity": 0, "change": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Cursor:
    """A place in a list ordered newest first: the entries strictly older than it come next."""

    when: datetime
    source: Source
    id: int

    def __str__(self) -> str:
        micros = (self.when - _EPOCH) // _MICROSECOND
        return f"{micros}.{self.source[0]}.{self.id}"

    @classmethod
    def parse(cls, token: str) -> "Cursor":
        """Read a cursor written by str(); raises ValueError for anything else."""
        micros, source, pk = token.split(".")
        sources: dict[str, Source] = {"a": "activity", "c": "change"}
        if source not in sources:
            raise ValueError(f"unknown cursor source {source!r}")
        return cls(when=_EPOCH + int(micros) * _MICROSECOND, source=sources[source], id=int(pk))

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.when, _SOURCE_RANK[self.source], self.id)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a lead's timeline.

    `what` is a sentence saying who did what ("Sam Whitaker claimed it (MQL → SQL)"); `text` is
    what the entry says in the reader's language: the lines the product wrote (kept as message
    keys with parameters in `message`), then what a person wrote, or the note given with a
    stage change.
    """

    source: Source
    id: int
    kind: str
    kind_label: str
    when: datetime
    who: User | None
    what: str
    text: str
    from_stage: Stage | None = None
    to_stage: Stage | None = None
    reason: Reason | None = None
    mentioned: frozenset[str] = frozenset()
    message: tuple[dict[str, Any], ...] = ()

    @property
    def cursor(self) -> Cursor:
        return Cursor(when=self.when, source=self.source, id=self.id)

    @property
    def dom_id(self) -> str:
        return f"entry-{self.source}-{self.id}"


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    older: Cursor | None


def lead_for_page(pk: int) -> Lead:
    """The lead with everything its page header shows, or 404."""
    return get_object_or_404(
        Lead.objects.select_related("stage", "persona", "marketing_owner", "sales_owner"), pk=pk
    )


def stage_clock(lead: Lead, *, now: datetime | None = None) -> LeadInStage:
    """The lead and its stage's clock, as its page's header and the API show them."""
    now = now or timezone.now()
    past_sla = lead.stage.is_past_limit(entered_at=lead.stage_entered_at, now=now)
    return LeadInStage(lead=lead, past_sla=past_sla)


def lead_with_clock(pk: int, *, now: datetime) -> LeadInStage:
    """The lead with everything its page header shows, and its stage's clock; or 404."""
    return stage_clock(lead_for_page(pk), now=now)


def lead_timeline(
    *, lead: Lead, before: Cursor | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """The newest `limit` entries of the lead's timeline older than `before`. Three queries at
    most (activities, their mentions, stage changes), whatever the length of the history."""
    activities = (
        Activity.objects.filter(lead=lead)
        .select_related("author")
        .prefetch_related(
            Prefetch("mentions", queryset=Mention.objects.select_related("user").order_by())
        )
        .order_by("-created_at", "-id")
    )
    changes = (
        StageChange.objects.filter(lead=lead)
        .select_related("actor", "from_stage", "to_stage", "reason")
        .order_by("-at", "-id")
    )
    if before is not None:
        activities = activities.filter(_older_than(before, "activity", "created_at"))
        changes = changes.filter(_older_than(before, "change", "at"))
    entries = [
        *(activity_entry(activity) for activity in activities[: limit + 1]),
        *(change_entry(change) for change in changes[: limit + 1]),
    ]
    entries.sort(key=lambda entry: entry.cursor.key, reverse=True)
    shown = entries[:limit]
    older = shown[-1].cursor if len(entries) > limit else None
    return TimelinePage(entries=shown, older=older)


def activity_entry(activity: Activity) -> TimelineEntry:
    who = activity.author
    return TimelineEntry(
        source="activity",
        id=activity.pk,
        kind=activity.kind,
        kind_label=activity.get_kind_display(),
        when=activity.created_at,
        who=who,
        what=_activity_sentence(activity.kind, _name(who)),
        text=activity.text,
        message=tuple(activity.message),
        mentioned=frozenset(mention.user.username.lower() for mention in activity.mentions.all()),
    )


def change_entry(change: StageChange) -> TimelineEntry:
    return TimelineEntry(
        source="change",
        id=change.pk,
        kind=change.kind,
        kind_label=change.get_kind_display(),
        when=change.at,
        who=change.actor,
        what=_change_sentence(change),
        text=change.note,
        from_stage=change.from_stage,
        to_stage=change.to_stage,
        reason=change.reason,
    )


@dataclass(frozen=True)
class MentionsPage:
    mentions: list[Mention]
    older: Cursor | None


def mentions_of(
    *, user: User, before: Cursor | None = None, limit: int = PAGE_SIZE
) -> MentionsPage:
    """The user's mentions, newest first, with the lead and the author of each. One query."""
    mentions: QuerySet[Mention] = (
        Mention.objects.filter(user=user)
        .select_related("activity__lead", "activity__author")
        .order_by("-created_at", "-id")
    )
    if before is not None:
        mentions = mentions.filter(
            Q(created_at__lt=before.when) | Q(created_at=before.when, id__lt=before.id)
        )
    rows = list(mentions[: limit + 1])
    shown = rows[:limit]
    older = None
    if len(rows) > limit:
        last = shown[-1]
        older = Cursor(when=last.created_at, source="activity", id=last.pk)
    return MentionsPage(mentions=shown, older=older)


def unseen_mention_count(*, user: User) -> int:
    """How many of the user's mentions are not seen yet, for the menu. One query."""
    return Mention.objects.filter(user=user, seen_at__isnull=True).count()


def _older_than(cursor: Cursor, source: Source, time_field: str) -> Q:
    """Rows of `source` that come after `cursor` in the timeline's order (time, source, id)."""
    earlier = Q(**{f"{time_field}__lt": cursor.when})
    rank, cursor_rank = _SOURCE_RANK[source], _SOURCE_RANK[cursor.source]
    if rank > cursor_rank:
        return earlier
    same_instant = Q(**{time_field: cursor.when})
    if rank == cursor_rank:
        same_instant &= Q(id__lt=cursor.id)
    return earlier | same_instant


def _name(user: User | None) -> str:
    return str(user) if user is not None else _("Someone")


def _activity_sentence(kind: str, who: str) -> str:
    sentences: dict[str, str] = {
        ActivityKind.NOTE: _("%(who)s wrote a note"),
        ActivityKind.CALL: _("%(who)s logged a call"),
        ActivityKind.EMAIL: _("%(who)s logged an email"),
        ActivityKind.MEETING: _("%(who)s logged a meeting"),
        ActivityKind.DETAILS: _("%(who)s changed the details"),
        ActivityKind.CAPTURE: _("A website form captured it"),
    }
    return sentences.get(kind, _("%(who)s wrote on the timeline")) % {"who": who}


def _change_sentence(change: StageChange) -> str:
    values = {
        "who": _name(change.actor),
        "from": change.from_stage.shown_name if change.from_stage else "",
        "to": change.to_stage.shown_name,
        "reason": change.reason.shown_label if change.reason else "",
    }
    sentences: dict[str, str] = {
        ChangeKind.CREATED: _("%(who)s added it to the funnel in %(to)s"),
        ChangeKind.CLAIMED: _("%(who)s claimed it (%(from)s → %(to)s)"),
        ChangeKind.RECYCLED: _("%(who)s recycled it to Marketing"),
        ChangeKind.WON: _("%(who)s marked it won"),
        ChangeKind.LOST: _("%(who)s marked it lost"),
        ChangeKind.REOPENED: _("%(who)s reopened it in %(to)s"),
    }
    if change.reason:
        sentences |= {
            ChangeKind.RECYCLED: _("%(who)s recycled it to Marketing: %(reason)s"),
            ChangeKind.LOST: _("%(who)s marked it lost: %(reason)s"),
        }
    if change.actor_id is None:
        # Nobody did it by hand (a website form, an import): no "someone" to name.
        sentences[ChangeKind.CREATED] = _("It entered the funnel in %(to)s")
    sentence = sentences.get(change.kind, _("%(who)s moved it from %(from)s to %(to)s"))
    return sentence % values
