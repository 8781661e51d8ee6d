"""The dashboard's figures for a month or a quarter, as the API gives them: the same key figures
and tables as the page (and its CSV files), each cell with its raw value and its text."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.selectors import dashboard
from dashboard.tables import PAGE_ROWS, TABLE_KEYS, Headlines, all_tables, headlines, one_table
from funnel.models import PeriodKind
from funnel.periods import Period, parse_period, period_containing
from smarketing.money import currency


class CellSerializer(serializers.Serializer[Any]):
    raw = serializers.JSONField(help_text="The value: a number, a decimal string, text or null.")
    text = serializers.CharField(help_text="The value as the page shows it.")
    url = serializers.CharField(help_text="The lead list behind a count, where there is one.")

    def to_representation(self, cell: Any) -> dict[str, Any]:
        raw = cell.raw
        return {
            "raw": raw if raw is None or isinstance(raw, int | float | str) else str(raw),
            "text": cell.text,
            "url": cell.url,
        }


class TableSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=CellSerializer(many=True))
    total_rows = serializers.IntegerField(
        help_text="How many rows the whole table has. The dashboard gives the first "
        f"{PAGE_ROWS} of a table per campaign, persona, source or person (most revenue first); "
        "the table's own endpoint gives them all."
    )
    note = serializers.CharField()


class HeadlinesSerializer(serializers.Serializer[Headlines]):
    won = CellSerializer()
    goal = CellSerializer()
    won_share = CellSerializer()
    due_by_now = CellSerializer()
    on_pace = serializers.BooleanField()
    forecast = CellSerializer()
    forecast_share = CellSerializer()
    open_weighted = CellSerializer()
    mqls_delivered = CellSerializer()
    mqls_needed = CellSerializer()
    mqls_due = CellSerializer()
    claims = CellSerializer()
    claimed_in_time = CellSerializer()
    touched_in_time = CellSerializer()


class PeriodSerializer(serializers.Serializer[Period]):
    key = serializers.CharField()
    # DRF collects declared fields by name, so this one may shadow Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()


class DashboardSerializer(serializers.Serializer[Any]):
    currency = serializers.CharField(
        help_text="The ISO 4217 code of every amount, such as EUR: the installation's CURRENCY."
    )
    period = PeriodSerializer()
    headlines = HeadlinesSerializer()
    tables = serializers.DictField(child=TableSerializer())


def _period(request: Request) -> Period:
    key = request.query_params.get("period", "")
    if not key:
        return period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    chosen = parse_period(key)
    if chosen is None or chosen.kind not in PeriodKind.values:
        raise ValidationError({"period": [_("Give a month (2026-11) or a quarter (2026-Q4).")]})
    return chosen


class DashboardView(APIView):
    """Everyone sees the same figures, as on the page."""

    @extend_schema(
        summary="The dashboard's figures for a month or a quarter",
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description="2026-11 (a month) or 2026-Q4; this quarter if left out.",
                # Empty is the same as left out; years as smarketing.bounds.PERIOD_YEAR (1900-2999).
                pattern=r"^(?:(?:19|2[0-9])[0-9]{2}-(?:0[1-9]|1[0-2]|Q[1-4]))?$",
            )
        ],
        responses=DashboardSerializer,
    )
    def get(self, request: Request) -> Response:
        period = _period(request)
        figures = dashboard(period=period, now=timezone.now(), rows=PAGE_ROWS)
        body = {
            "currency": currency(),
            "period": period,
            "headlines": headlines(figures),
            "tables": all_tables(figures),
        }
        return Response(DashboardSerializer(body).data)


class DashboardTableView(APIView):
    """One table of the dashboard with every row, as its CSV file: it reads only what that
    table shows."""

    @extend_schema(
        summary="One table of the dashboard, every row",
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(TABLE_KEYS)),
            OpenApiParameter(
                "period",
                str,
                description="2026-11 (a month) or 2026-Q4; this quarter if left out.",
                pattern=r"^(?:(?:19|2[0-9])[0-9]{2}-(?:0[1-9]|1[0-2]|Q[1-4]))?$",
            ),
        ],
        responses=TableSerializer,
    )
    def get(self, request: Request, key: str) -> Response:
        table = one_table(key, period=_period(request), now=timezone.now())
        if table is None:
            raise NotFound(_("The dashboard has no such table."))
        return Response(TableSerializer(table).data)
