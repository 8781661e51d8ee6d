"""How fast the busiest pages answer on a big database, against the SQL they run.

Each case is a page, fetched through Django's test client (middleware, view, templates: all the
server does but the network) as a signed-in manager. The SQL statements one request issued are
then run again on their own, straight on a database cursor, as often as the page was fetched. The
ratio of the two medians says how much the page adds to its SQL; it stays meaningful on a busy or
slow machine, where the milliseconds alone do not. Their difference (page-raw) is what Django and
the page's own Python cost, which for pages whose SQL takes a few milliseconds says more than the
ratio does.

The cases cover every page class, each tried on what the data holds (the biggest owner, the
largest persona, a two-character CJK name: class Picks), so that the same run means the same on
every shape of data (leads/shapes.py). Not part of the test suite: run it by hand against a
database with about a million leads (`manage.py seed_demo --leads 1000000 --shape skewed`), for
example with `make bench`.
"""

import html
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Max, Min, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from funnel.models import PeriodKind, Stage, Team, WellKnownStage
from funnel.periods import WEEK, period_containing
from funnel.selectors import waiting_mqls
from funnel.services import claim_lead, move_lead
from leads.models import Activity, ActivityKind, Lead
from leads.selectors import LEAD_SORTS, LeadSort

MINIMUM_LEADS = 100_000
DEEP_PAGE_ROWS = 500_000
# Targets from issue 3.
MAX_RATIO_TO_RAW = 2.0
MAX_P95_MS = 150.0
MAX_DEEP_TO_FIRST = 1.2
LONG_TIMELINE = 500
WRITES_IN_A_ROW = 200
MAX_WRITE_P95_MS = 25.0
BENCH_AUTHOR = "maria"


@dataclass(frozen=True)
class Case:
    """A page to measure; `url` is called once, before the measuring starts (and may raise
    NotInData when the data has nothing to try it on). List pages are held to the ratio target
    as well as the time target."""

    name: str
    url: Callable[[], str]
    list_page: bool = True
    p95_target_ms: float = MAX_P95_MS
    # Pages other than lists may have a ratio target of their own.
    ratio_target: float | None = None
    # API endpoints answer JSON: their raw baseline also turns the rows into JSON, plainly.
    serialise: bool = False
    # Who fetches the page, when it is someone's own (their home page); None: --user.
    as_user: Callable[[], User] | None = None
    # A dashboard CSV: its SQL is also set against the whole dashboard's.
    csv: bool = False


class NotInData(Exception):
    """The data has nothing to try a case on (the demo's names have no CJK, for one)."""


def _lead_list(**query: object) -> str:
    url = reverse("lead_list")
    return f"{url}?{urlencode(query)}" if query else url


def _deep_list_page() -> str:
    """The list page that starts DEEP_PAGE_ROWS rows down (halfway down a smaller list, with
    --force), as a person paging there would get it. The cursor is made from that row directly:
    paging there takes ten thousand requests."""
    keyset = LEAD_SORTS[LeadSort.NEWEST]
    depth = max(1, min(DEEP_PAGE_ROWS, Lead.objects.count() // 2))
    row = Lead.objects.only(*keyset.fields).order_by(*keyset.order_by())[depth - 1]
    return _lead_list(after=keyset.cursor_for(row))


def _api_leads(**query: object) -> str:
    return f"{reverse('api:lead-list')}?{urlencode(query)}"


def _typo(word: str) -> str:
    """The word with two letters in its middle swapped, as fast typing does."""
    middle = len(word) // 2
    return word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]


# Two CJK characters and nothing else: a name shorter than a trigram.
_TWO_CJK = r"^[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]{2}$"


class Picks:
    """What the cases are tried on, chosen from the data (the owner with the most leads, the
    largest persona...), not from ids: each read once, when a case first needs it, and said on
    the output so that a run can be repeated by hand."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    @cached_property
    def owners(self) -> list[tuple[User, int]]:
        """Everyone who owns leads (for Marketing or Sales), with how many, most first."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT owner, count(*) FROM ("
                " SELECT marketing_owner_id AS owner FROM leads_lead"
                " UNION ALL SELECT sales_owner_id FROM leads_lead) AS owned"
                " WHERE owner IS NOT NULL GROUP BY owner ORDER BY count(*) DESC, owner"
            )
            counts = cursor.fetchall()
        people = User.objects.in_bulk([owner for owner, _ in counts])
        return [(people[owner], leads) for owner, leads in counts]

    @cached_property
    def biggest_owner(self) -> User:
        if not self.owners:
            raise NotInData("nobody owns a lead")
        person, leads = self.owners[0]
        self.say(f"biggest owner: {person.username} ({person.pk}), {leads:,} leads")
        return person

    @cached_property
    def small_owner(self) -> User:
        if not self.owners:
            raise NotInData("nobody owns a lead")
        person, leads = self.owners[-1]
        self.say(f"small owner: {person.username} ({person.pk}), {leads:,} leads")
        return person

    @cached_property
    def small_owner_rare_stage(self) -> str:
        """The stage the small owner has fewest leads in (often none): the combination the
        planner misjudges when it takes owner and stage for independent."""
        owner = self.small_owner
        owned = dict(
            Lead.objects.filter(Q(marketing_owner=owner) | Q(sales_owner=owner))
            .values_list("stage__slug")
            .annotate(n=Count("id"))
        )
        stage = min(Stage.objects.order_by("position"), key=lambda s: owned.get(s.slug, 0))
        self.say(f"small owner's rarest stage: {stage.slug}, {owned.get(stage.slug, 0)} leads")
        return stage.slug

    def _most_common(self, field: str, what: str, **exclude: object) -> Any:
        row = (
            Lead.objects.exclude(**exclude)
            .values(field)
            .annotate(n=Count("id"))
            .order_by("-n", field)
            .first()
        )
        if row is None:
            raise NotInData(f"no {what}")
        self.say(f"{what}: {row[field]} ({row['n']:,} leads)")
        return row[field]

    @cached_property
    def big_stage(self) -> str:
        return str(self._most_common("stage__slug", "largest stage"))

    @cached_property
    def big_source(self) -> str:
        return str(self._most_common("source", "most common source"))

    @cached_property
    def big_campaign(self) -> str:
        return str(self._most_common("campaign", "most used campaign", campaign=""))

    @cached_property
    def largest_persona(self) -> int:
        return int(self._most_common("persona", "largest persona", persona__isnull=True))

    @cached_property
    def middle_lead(self) -> Lead:
        """A lead from the middle of the table, with a phone number."""
        bounds = Lead.objects.aggregate(low=Min("id"), high=Max("id"))
        if bounds["low"] is None:
            raise NotInData("no lead")
        lead = (
            Lead.objects.filter(id__gte=(bounds["low"] + bounds["high"]) // 2)
            .exclude(phone="")
            .order_by("id")
            .first()
        )
        if lead is None:
            raise NotInData("no lead with a phone")
        self.say(f"a lead from the middle: {lead.pk}, {lead.email}, {lead.phone}")
        return lead

    @cached_property
    def word(self) -> str:
        """The first word of the most common company name written in plain letters (the
        commonest may be CJK): a word many leads share."""
        companies = Lead.objects.values("company").annotate(n=Count("id")).order_by("-n")[:1000]
        for row in companies:
            word = row["company"].split(" ")[0]
            if len(word) >= 4 and word.isascii() and word.isalpha():
                self.say(f"a word: {word.lower()} (from {row['company']})")
                return word.lower()
        raise NotInData("no company name with a plain word")

    @cached_property
    def cjk_name(self) -> str:
        name = (
            Lead.objects.filter(full_name__regex=_TWO_CJK)
            .values_list("full_name", flat=True)
            .first()
        )
        if name is None:
            raise NotInData("no two-character CJK name")
        self.say(f"a two-character CJK name: {name}")
        return name

    @cached_property
    def surname_typo(self) -> str:
        """A typo of the most common surname among the first leads."""
        names = Lead.objects.order_by("id").values_list("full_name", flat=True)[:20_000]
        surnames = Counter(
            last
            for name in names
            if " " in name and len(last := name.rsplit(" ", 1)[1]) >= 6 and last.isalpha()
        )
        if not surnames:
            raise NotInData("no surname of six letters or more")
        surname = surnames.most_common(1)[0][0]
        self.say(f"a typo of a common surname: {_typo(surname)} (for {surname})")
        return _typo(surname)

    @cached_property
    def owner_name(self) -> str:
        name = self.biggest_owner.get_full_name() or self.biggest_owner.username
        self.say(f"an owner's name: {name}")
        return name

    @cached_property
    def long_timeline_lead(self) -> str:
        """The page of the lead with the most on its timeline, given LONG_TIMELINE entries if
        it has fewer (the demo's leads have a handful; the notes added are said)."""
        row = Activity.objects.values("lead").annotate(n=Count("id")).order_by("-n", "lead").first()
        lead = (
            Lead.objects.filter(pk=row["lead"]).first()
            if row
            else Lead.objects.order_by("id").first()
        )
        if lead is None:
            raise CommandError("There is no lead to measure; load the demo data first.")
        have = lead.stage_changes.count() + Activity.objects.filter(lead=lead).count()
        if have < LONG_TIMELINE:
            author = User.objects.filter(username=BENCH_AUTHOR).first()
            Activity.objects.bulk_create(
                Activity(
                    lead=lead,
                    kind=ActivityKind.NOTE,
                    author=author,
                    body=f"Benchmark note {number}: called, left a message, will try again.",
                    created_at=timezone.now() - timedelta(hours=number),
                )
                for number in range(LONG_TIMELINE - have)
            )
            self.say(f"added {LONG_TIMELINE - have} notes to lead {lead.pk} for a long timeline")
            have = LONG_TIMELINE
        self.say(f"longest timeline: lead {lead.pk}, {have:,} entries")
        return reverse("lead_detail", args=[lead.pk])


FIRST_PAGE = "list: first page"
DEEP_PAGE = f"list: {DEEP_PAGE_ROWS:,} rows deep"
# Issue 5: the dashboard, p95 under 500 ms and within 1.5x its SQL, for any period.
DASHBOARD_P95_MS = 500.0
DASHBOARD_RATIO = 1.5
THIS_QUARTER = "dashboard: this quarter"


def _periods() -> dict[str, str]:
    """Each kind of period the dashboard shows, as written in its address (funnel.periods)."""
    today = timezone.localdate()
    return {
        "this quarter": period_containing(today, kind=PeriodKind.QUARTER).key,
        "this month": period_containing(today, kind=PeriodKind.MONTH).key,
        "this week": period_containing(today, kind=WEEK).key,
        "a quarter a year ago": period_containing(
            today - timedelta(days=365), kind=PeriodKind.QUARTER
        ).key,
    }


def _list_filters(picks: Picks) -> dict[str, Callable[[], dict[str, object]]]:
    """Every filter of the lead list, and the combinations the issues found slow."""
    today = timezone.localdate()
    return {
        "stage": lambda: {"stage": picks.big_stage},
        "owner (biggest)": lambda: {"owner": picks.biggest_owner.pk},
        "owner (small)": lambda: {"owner": picks.small_owner.pk},
        "team": lambda: {"team": Team.SALES.value},
        "source": lambda: {"source": picks.big_source},
        "campaign": lambda: {"campaign": picks.big_campaign},
        "persona": lambda: {"persona": picks.largest_persona},
        "created range": lambda: {
            "created_from": (today - timedelta(days=90)).isoformat(),
            "created_to": (today - timedelta(days=60)).isoformat(),
        },
        "needs attention": lambda: {"needs_attention": "on"},
        "stage + owner (biggest)": lambda: {
            "stage": WellKnownStage.WORKING.value,
            "owner": picks.biggest_owner.pk,
        },
        "stage + owner (small, rarest stage)": lambda: {
            "stage": picks.small_owner_rare_stage,
            "owner": picks.small_owner.pk,
        },
    }


def _sorted_list(query: Callable[[], dict[str, object]], sort: LeadSort) -> str:
    """The list filtered by `query`, in its own order (newest first) or sorted by `sort`."""
    return _lead_list(**query(), **({} if sort == LeadSort.NEWEST else {"sort": sort.value}))


def _search(term: Callable[[], str]) -> str:
    return _lead_list(q=term())


def _with_period(url_name: str, key: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'period': key})}"


def build_cases(picks: Picks) -> list[Case]:
    """Every page class. Add a page here to measure it too."""
    cases = [
        Case(FIRST_PAGE, _lead_list),
        Case(DEEP_PAGE, _deep_list_page),
        Case(
            "list: stage=working & source=event",
            lambda: _lead_list(stage=WellKnownStage.WORKING, source="event"),
        ),
    ]
    # Each filter alone (the list's own order, newest first), then with every other order.
    for name, query in _list_filters(picks).items():
        for sort in LeadSort:
            cases.append(
                Case(
                    f"list: {name}, {sort.value}",
                    partial(_sorted_list, query, sort),
                )
            )
    searches: dict[str, Callable[[], str]] = {
        "'acme'": lambda: "acme",
        "'ironwod' (a typo)": lambda: "ironwod",
        "a word": lambda: picks.word,
        "an email": lambda: picks.middle_lead.email,
        "a phone": lambda: picks.middle_lead.phone,
        "a two-character CJK name": lambda: picks.cjk_name,
        "a typo of a common surname": lambda: picks.surname_typo,
        "an owner's name": lambda: picks.owner_name,
    }
    for name, term in searches.items():
        cases.append(Case(f"list: search {name}", partial(_search, term)))
    cases += [
        Case("list: longest in stage", lambda: _lead_list(sort=LeadSort.LONGEST_IN_STAGE)),
        Case("lead page: longest timeline", lambda: picks.long_timeline_lead, list_page=False),
        Case("funnel board", lambda: reverse("board")),
        Case("mql queue", lambda: reverse("mql_queue")),
        Case("home page", lambda: reverse("home"), list_page=False),
        Case(
            "home page: biggest owner (as them)",
            lambda: reverse("home"),
            list_page=False,
            as_user=lambda: picks.biggest_owner,
        ),
        Case(
            "home page: small owner (as them)",
            lambda: reverse("home"),
            list_page=False,
            as_user=lambda: picks.small_owner,
        ),
        Case(
            "persona page: largest persona",
            lambda: reverse("persona_detail", args=[picks.largest_persona]),
            list_page=False,
        ),
    ]
    for name, key in _periods().items():
        cases.append(
            Case(
                f"dashboard: {name}",
                partial(_with_period, "dashboard", key),
                list_page=False,
                p95_target_ms=DASHBOARD_P95_MS,
                ratio_target=DASHBOARD_RATIO,
            )
        )
    # Issue 7: the API's lead list within 2x of its SQL plus plain serialisation; the same
    # number of queries for 100 rows as for 50. Its dashboard answers as the page does.
    cases += [
        Case("api: leads first page", lambda: _api_leads(), serialise=True),
        Case(
            "api: leads stage=working & source=event",
            lambda: _api_leads(stage=WellKnownStage.WORKING, source="event"),
            serialise=True,
        ),
        Case(
            "api: the same, 100 rows",
            lambda: _api_leads(stage=WellKnownStage.WORKING, source="event", page_size="100"),
            serialise=True,
        ),
        Case(
            "api: leads owner (small), value",
            lambda: _api_leads(owner=picks.small_owner.pk, sort=LeadSort.VALUE.value),
            serialise=True,
        ),
        Case(
            "api: leads search a two-character CJK name",
            lambda: _api_leads(q=picks.cjk_name),
            serialise=True,
        ),
    ]
    # The API takes months and quarters, not weeks.
    for name, key in _periods().items():
        if name != "this week":
            cases.append(
                Case(
                    f"api: dashboard {name}",
                    partial(_with_period, "api:dashboard", key),
                    list_page=False,
                    p95_target_ms=DASHBOARD_P95_MS,
                    ratio_target=DASHBOARD_RATIO,
                    serialise=True,
                )
            )
    return cases


_CSV_LINK = re.compile(r'href="([^"]*/dashboard/([\w-]+)\.csv[^"]*)"')


def csv_cases(dashboard_page: str) -> list[Case]:
    """One case per CSV the dashboard links to (this quarter's): each table's download."""
    links = {key: html.unescape(url) for url, key in _CSV_LINK.findall(dashboard_page)}
    return [
        Case(
            f"dashboard csv: {key}",
            partial(str, url),
            list_page=False,
            p95_target_ms=DASHBOARD_P95_MS,
            ratio_target=DASHBOARD_RATIO,
            csv=True,
        )
        for key, url in links.items()
    ]


@dataclass(frozen=True)
class Result:
    case: Case
    queries: int
    page_ms: list[float]
    raw_ms: list[float]

    @property
    def page_median(self) -> float:
        return statistics.median(self.page_ms)

    @property
    def page_p95(self) -> float:
        return p95(self.page_ms)

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw_ms)

    @property
    def ratio(self) -> float:
        return self.page_median / self.raw_median if self.raw_median else float("inf")


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


class Command(BaseCommand):
    help = (
        "Time the lead list (and other busy pages) on a big database: median and p95 server "
        "time per request, and the ratio to running the same SQL directly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repeat", type=int, default=30, help="Requests per case (default 30)."
        )
        parser.add_argument(
            "--user", default="morgan", help="Who fetches the pages (default: the demo manager)."
        )
        parser.add_argument(
            "--case",
            default="",
            help="Measure only the pages whose name contains this (and no writes).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=f"Run even with fewer than {MINIMUM_LEADS:,} leads; the numbers mean little.",
        )

    def handle(
        self, *args: Any, repeat: int, user: str, force: bool, case: str, **options: Any
    ) -> None:
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        executor = MigrationExecutor(connection)
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if missing:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in missing[:3])
            if len(missing) > 3:
                names += f" and {len(missing) - 3} more"
            raise CommandError(
                f"This database lacks migrations ({names}): the pages would fail or be slow "
                "for want of their indexes. Run `manage.py migrate` first."
            )
        leads = Lead.objects.count()
        if leads < MINIMUM_LEADS and not force:
            raise CommandError(
                f"This database has {leads:,} leads; the benchmark is meant for about a million "
                f"(at least {MINIMUM_LEADS:,}). Load them with `manage.py seed_demo --leads "
                "1000000` into a database of their own, or pass --force."
            )
        person = User.objects.filter(username=user).first()
        if person is None:
            raise CommandError(
                f"There is no user {user!r} to fetch the pages as; pass --user with one."
            )
        self.stdout.write(
            f"{leads:,} leads on {connection.settings_dict['NAME']}; {repeat} requests per case."
        )
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            clients: dict[int, Client] = {}
            try:
                main = self._client(clients, person)
                cases = build_cases(Picks(self.stdout.write))
                this_quarter = main.get(reverse("dashboard"), secure=True)
                cases += csv_cases(this_quarter.content.decode())
                chosen = [one for one in cases if case in one.name]
                results = []
                for one in chosen:
                    result = self._measure(clients, person, one, repeat)
                    if result is not None:
                        results.append(result)
            finally:
                for client in clients.values():
                    client.logout()
        self._report(results)
        if not case:
            self._report_writes(person)

    def _client(self, clients: dict[int, Client], person: User) -> Client:
        """A signed-in client for `person`, one per person for the whole run."""
        if person.pk not in clients:
            clients[person.pk] = Client()
            clients[person.pk].force_login(person)
        return clients[person.pk]

    def _report_writes(self, person: User) -> None:
        """Claims and moves in a row, each its own transaction as in use; all rolled back."""
        self.stdout.write("")
        for name, operation, leads in _write_cases(person):
            timings, queries = _time_writes(operation, leads)
            if not timings:
                self.stdout.write(f"{name}: no lead to try it on; skipped.")
                continue
            slowest = p95(timings)
            self._verdict(
                f"{name}: {len(timings)} in a row, {queries} queries each, median "
                f"{statistics.median(timings):.1f} ms, p95 {slowest:.1f} ms "
                f"(target < {MAX_WRITE_P95_MS:.0f})",
                slowest < MAX_WRITE_P95_MS,
            )

    def _measure(
        self, clients: dict[int, Client], person: User, case: Case, repeat: int
    ) -> Result | None:
        try:
            url = case.url()
            client = self._client(clients, case.as_user() if case.as_user else person)
        except NotInData as missing:
            self.stdout.write(f"skipped {case.name}: {missing} in this data.")
            return None
        for _ in range(3):  # warm the caches, as a page in use is
            self._fetch(client, url)
        page_ms = []
        for _ in range(repeat):
            started = time.perf_counter()
            self._fetch(client, url)
            page_ms.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as issued:
            self._fetch(client, url)
        statements = [query["sql"] for query in issued.captured_queries]
        return Result(
            case=case,
            queries=len(statements),
            page_ms=page_ms,
            raw_ms=[_run_raw(statements, serialise=case.serialise) for _ in range(repeat)],
        )

    def _fetch(self, client: Client, url: str) -> None:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}, not 200.")

    def _report(self, results: list[Result]) -> None:
        width = max(len(result.case.name) for result in results)
        header = (
            f"{'case':<{width}}  {'queries':>7}  {'median ms':>9}  {'p95 ms':>7}  "
            f"{'raw SQL median ms':>17}  {'page/raw':>8}  {'page-raw ms':>11}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for result in results:
            self.stdout.write(
                f"{result.case.name:<{width}}  {result.queries:>7}  {result.page_median:>9.1f}  "
                f"{result.page_p95:>7.1f}  {result.raw_median:>17.1f}  {result.ratio:>8.2f}  "
                f"{result.page_median - result.raw_median:>11.1f}"
            )
        self.stdout.write("")
        by_name = {result.case.name: result for result in results}
        if FIRST_PAGE in by_name and DEEP_PAGE in by_name:
            deep = by_name[DEEP_PAGE].page_median / by_name[FIRST_PAGE].page_median
            self._verdict(
                f"deep page / first page: {deep:.2f} (target ≤ {MAX_DEEP_TO_FIRST})",
                deep <= MAX_DEEP_TO_FIRST,
            )
        dashboard = by_name.get(THIS_QUARTER)
        for result in results:
            case = result.case
            ratio_target = MAX_RATIO_TO_RAW if case.list_page else case.ratio_target
            timing = f"p95 {result.page_p95:.1f} ms (target < {case.p95_target_ms:.0f})"
            if case.csv and dashboard is not None:
                # A table's CSV should cost what that table costs, not the whole dashboard.
                timing += (
                    f"; its SQL {result.raw_median:.1f} ms is "
                    f"{result.raw_median / dashboard.raw_median:.0%} of the whole dashboard's"
                )
            if ratio_target is not None:
                self._verdict(
                    f"{case.name}: page/raw {result.ratio:.2f} (target ≤ {ratio_target}), {timing}",
                    result.ratio <= ratio_target and result.page_p95 < case.p95_target_ms,
                )
            else:
                self._verdict(f"{case.name}: {timing}", result.page_p95 < case.p95_target_ms)

    def _verdict(self, line: str, met: bool) -> None:
        if met:
            self.stdout.write(self.style.SUCCESS(f"met     {line}"))
        else:
            self.stdout.write(self.style.WARNING(f"missed  {line}"))


def _run_raw(statements: list[str], *, serialise: bool = False) -> float:
    """Milliseconds to run `statements` one after the other and fetch their rows, on the
    database driver's own cursor, and with `serialise` to write the rows as JSON objects
    (column: value) with json.dumps. In a transaction that is rolled back: a page's statements
    include its savepoints and its session update."""
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the driver's cursor, without Django's wrapping
        started = time.perf_counter()
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                rows = cursor.fetchall()
                if serialise:
                    columns = [column.name for column in cursor.description]
                    json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str)
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


def _write_cases(person: User) -> list[tuple[str, Callable[[Lead], object], list[Lead]]]:
    """200 unclaimed MQLs to claim, 200 New leads to move to Working, as the manager."""
    waiting = list(waiting_mqls().order_by("id")[:WRITES_IN_A_ROW])
    new = list(Lead.objects.filter(stage__slug=WellKnownStage.NEW).order_by("id")[:WRITES_IN_A_ROW])
    working = Stage.objects.get(slug=WellKnownStage.WORKING)
    return [
        ("claims", lambda lead: claim_lead(lead_id=lead.pk, rep=person), waiting),
        (
            "moves New -> Working",
            lambda lead: move_lead(lead_id=lead.pk, to_stage_id=working.pk, actor=person),
            new,
        ),
    ]


def _time_writes(operation: Callable[[Lead], object], leads: list[Lead]) -> tuple[list[float], int]:
    """Milliseconds per operation and the queries of one, inside a transaction rolled back at
    the end so the benchmark leaves the data as it found it."""
    timings: list[float] = []
    queries = 0
    with transaction.atomic():
        for lead in leads:
            with CaptureQueriesContext(connection) as issued:
                started = time.perf_counter()
                operation(lead)
                timings.append((time.perf_counter() - started) * 1000)
            queries = len(issued.captured_queries)
        transaction.set_rollback(True)
    return timings, queries
