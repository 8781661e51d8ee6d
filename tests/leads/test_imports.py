"""Import batches through the services: the dry run's counts, the duplicate policies, history,
undo, and the totals and rollups staying exact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from funnel.models import StageChange
from leads.imports.files import ImportFileError
from leads.imports.landing import land_chunk, prepare
from leads.imports.services import (
    ImportStateError,
    cancel_import,
    confirm_import,
    undo_import,
)
from leads.models import (
    Activity,
    DuplicatePolicy,
    ImportedLead,
    ImportStatus,
    Lead,
    LeadEmailAlias,
)
from leads.services import update_lead
from smarketing.errors import NotAllowed
from tests.dashboard.test_rollup import assert_exact as assert_rollups_exact
from tests.factories import LeadFactory
from tests.funnel.test_rollup import assert_exact as assert_totals_exact
from tests.leads.imports_steps import (
    checked,
    csv_file,
    history,
    landed,
    lead,
    stages_entered_kept,
    stages_entered_recounted,
    uploaded,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _import_root(settings, tmp_path) -> None:
    settings.IMPORT_ROOT = tmp_path


FILE = csv_file(
    "ana@example.com,Ana Ruiz,Acme,,New,,,,",
    "ben@example.com,Ben Ode,,555-1,Customer,1500,2026-01-05,2026-02-01,2026-03-01",
    "ANA@example.com,Ana Again,Other,,,,,,",
    "old@example.com,,NewCo,555-9,,,,,",
    "not-an-email,Bad Row,,,,,,,",
    "cid@example.com,Cid,,,Prospect,,,,",
    "dee@example.com,Dee,,,,12x,,,",
    "eve@example.com,Eve,,,,,31/02/2026,,",
)


@pytest.fixture
def existing(marketer: User) -> Lead:
    return LeadFactory.create(email="old@example.com", company="", phone="555-0")


def test_the_dry_run_counts_and_writes_no_lead(marketer: User, existing: Lead) -> None:
    before = Lead.objects.count()
    batch = checked(FILE, actor=marketer)

    assert batch.status == ImportStatus.DRY_RUN, batch.summary
    assert (batch.rows_total, batch.new_count, batch.update_count) == (8, 2, 1)
    assert (batch.repeat_count, batch.error_count) == (1, 4)
    assert Lead.objects.count() == before
    reasons = {error["row"]: " ".join(error["reasons"]) for error in batch.summary["errors"]}
    assert "repeats" in reasons[4]
    assert "email" in reasons[6]
    assert "Prospect" in reasons[7]
    assert "12x" in reasons[8]
    assert "31/02/2026" in reasons[9]
    # Fill empty: the company is filled, the phone it has is kept.
    [sample] = batch.summary["changes"]
    assert sample["email"] == "old@example.com"
    assert [change["field"] for change in sample["changes"]] == ["company"]


def test_the_error_file_cannot_run_formulas(marketer: User, settings) -> None:
    batch = checked(csv_file("=1+2,Mallory,,,,,,,", "@SUM(A1),Eve,,,,,,,"), actor=marketer)

    text = (settings.IMPORT_ROOT / batch.error_file).read_text()
    assert ",'=1+2,email" in text
    assert ",'@SUM(A1),email" in text


def test_landing_creates_updates_and_records_history(marketer: User, existing: Lead) -> None:
    batch = landed(checked(FILE, actor=marketer), actor=marketer)

    assert batch.status == ImportStatus.DONE
    assert (batch.rows_done, batch.created_count, batch.updated_count) == (8, 2, 1)
    assert lead("ana@example.com").company == "Acme"
    assert lead("ana@example.com").import_batch_id == batch.pk
    old = lead("old@example.com")
    assert (old.company, old.phone, old.import_batch_id) == ("NewCo", "555-0", batch.pk)
    ben = lead("ben@example.com")
    assert ben.stage.slug == "won"
    assert ben.expected_value == Decimal(1500)
    assert history("ben@example.com") == [
        ("created", "new"),
        ("moved", "mql"),
        ("claimed", "sql"),
        ("won", "won"),
    ]
    last = StageChange.objects.filter(lead=ben).order_by("-at", "-id").first()
    assert last is not None
    assert last.value == Decimal(1500)
    assert ben.created_at.date().isoformat() == "2026-01-05"
    assert not Lead.objects.filter(email__in=["cid@example.com", "not-an-email"]).exists()
    assert Activity.objects.filter(lead=old, message__0__key="import_updated").exists()
    assert mail.outbox
    assert "leads.csv" in mail.outbox[0].subject
    assert_totals_exact()
    assert_rollups_exact()
    assert stages_entered_kept() == stages_entered_recounted()


def test_a_row_with_a_merged_lead_s_email_updates_the_lead_it_went_into(
    marketer: User, existing: Lead
) -> None:
    LeadEmailAlias.objects.create(lead=existing, email="Old.Address@example.com")
    rows = csv_file("old.address@example.com,,NewCo,,,,,,", "new@example.com,New,,,,,,,")

    batch = landed(checked(rows, actor=marketer), actor=marketer)

    assert (batch.created_count, batch.updated_count, batch.error_count) == (1, 1, 0)
    existing.refresh_from_db()
    assert (existing.email, existing.company) == ("old@example.com", "NewCo")
    assert not Lead.objects.filter(email__iexact="old.address@example.com").exists()


@pytest.mark.parametrize(
    ("policy", "company", "phone", "updated"),
    [
        (DuplicatePolicy.FILL_EMPTY, "NewCo", "555-0", 1),
        (DuplicatePolicy.OVERWRITE, "NewCo", "555-9", 1),
        (DuplicatePolicy.SKIP, "", "555-0", 0),
    ],
)
def test_policies_and_blank_cells(marketer, existing, policy, company, phone, updated) -> None:
    existing.full_name = "Kept Name"
    existing.save()
    batch = landed(checked(FILE, actor=marketer, policy=policy), actor=marketer)

    old = lead("old@example.com")
    # The file's name cell is blank: no policy erases the name.
    assert (old.company, old.phone, old.full_name) == (company, phone, "Kept Name")
    assert batch.updated_count == updated


def test_undo_removes_created_and_restores_untouched_fields(
    marketer: User, manager: User, existing: Lead
) -> None:
    other = LeadFactory.create(email="ana2@example.com", company="", job_title="")
    content = csv_file(
        "new1@example.com,New One,,,,,2026-01-05,,",
        "new2@example.com,New Two,,,,,,,",
        "old@example.com,,NewCo,,,,,,",
        "ana2@example.com,,AnaCo,,,,,,",
    )
    batch = landed(checked(content, actor=marketer), actor=marketer)
    # Someone works on one new lead and changes one updated field after the import.
    update_lead(lead=lead("new2@example.com"), details={"company": "Worked"}, actor=manager)
    update_lead(lead=other, details={"company": "Changed since"}, actor=manager)

    with pytest.raises(NotAllowed):
        undo_import(batch=batch, actor=marketer)
    batch = undo_import(batch=batch, actor=manager)

    assert not Lead.objects.filter(email="new1@example.com").exists()
    assert Lead.objects.filter(email="new2@example.com").exists()
    assert lead("old@example.com").company == ""
    assert lead("old@example.com").import_batch_id is None
    assert lead("ana2@example.com").company == "Changed since"
    assert batch.summary["undo"] == {"removed": 1, "kept": 1, "restored": 1, "not_restored": 1}
    assert not ImportedLead.objects.filter(lead__email="new1@example.com").exists()
    assert_totals_exact()
    assert_rollups_exact()
    with pytest.raises(ImportStateError):
        undo_import(batch=batch, actor=manager)


def test_undo_only_within_its_days(marketer: User, manager: User) -> None:
    batch = landed(checked(FILE, actor=marketer), actor=marketer)
    batch.finished_at = timezone.now() - timedelta(days=8)
    batch.save()
    with pytest.raises(ImportStateError):
        undo_import(batch=batch, actor=manager)
    assert Lead.objects.filter(email="ana@example.com").exists()


def test_a_cancelled_landing_stops_after_its_chunk(marketer: User) -> None:
    batch = checked(FILE, actor=marketer)
    confirm_import(batch=batch, actor=marketer)
    prepare(batch.pk)
    land_chunk(batch.pk, size=2)
    cancel_import(batch=batch, actor=marketer)
    assert land_chunk(batch.pk, size=2).last
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done) == (ImportStatus.CANCELLED, 2)
    assert Lead.objects.filter(import_batch=batch).count() == 2


def test_a_file_that_cannot_be_read_is_refused(marketer: User) -> None:
    with pytest.raises(ImportFileError):
        uploaded(b"", actor=marketer)
    assert not Lead.objects.exists()
