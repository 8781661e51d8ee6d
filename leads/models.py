import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.messages import render
from leads.normalise import EMAIL_MAX_LENGTH, validate_email_lengths
from smarketing.bounds import CAPTURE_RATE, CENTS, LEAD_VALUE, MONEY_DIGITS


def paired(text: F) -> Func:
    """`text` with every letter written twice ("ab" -> "aabb").

    A text contains "ab" exactly when its paired text contains "aabb": a run of four that
    starts on the second copy of a letter reads "xyyz", which is "aabb" only where x, y and z
    are all one letter, and then the text holds "aa" = "ab" too. And "aabb" has trigrams where
    "ab" has none: the index `lead_search_pairs_trgm` on the paired search text finds a
    two-letter word without reading every lead."""
    return Func(
        text,
        Value("(.)"),
        Value(r"\1\1"),
        Value("g"),
        function="regexp_replace",
        output_field=models.TextField(),
    )


class Persona(models.Model):
    """A buyer persona: who they are, what hurts, what they want, where to find them."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    pains = models.TextField(_("pains"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    channels = models.TextField(_("channels"), blank=True)
    objections = models.TextField(_("objections"), blank=True)
    typical_job_titles = models.TextField(_("typical job titles"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("persona")
        verbose_name_plural = _("personas")

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    PAID_SEARCH = "paid_search", _("Paid search")
    SOCIAL = "social", _("Social media")
    EMAIL = "email", _("Email campaign")
    PARTNER = "partner", _("Partner")
    OUTBOUND = "outbound", _("Outbound")
    OTHER = "other", _("Other")


class LeadQuerySet(models.QuerySet["Lead"]):
    def locked(self, pk: int) -> "Lead":
        """The lead's row alone, locked until the transaction ends, so that concurrent moves and
        edits apply one after the other.

        No joins: when the row was locked by a concurrent move, PostgreSQL re-checks the new row
        version against the joined rows it read before waiting; with the lead's old stage
        joined, a lead moved meanwhile would not be found at all instead of being found taken.
        """
        return self.select_for_update().get(pk=pk)


class Lead(models.Model):
    """A person (and their company) who may buy. One row per email address, whatever its case."""

    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(
        _("email"), max_length=EMAIL_MAX_LENGTH, validators=[validate_email_lengths]
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    company = models.CharField(_("company"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=80, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    persona = models.ForeignKey(
        Persona,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("persona"),
    )
    expected_value = models.DecimalField(
        _("expected value"),
        max_digits=MONEY_DIGITS,
        decimal_places=CENTS,
        default=0,
        validators=LEAD_VALUE.validators(),
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    marketing_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="marketing_leads",
        verbose_name=_("marketing owner"),
    )
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sales_leads",
        verbose_name=_("sales owner"),
    )
    # Written only by funnel services, together with the StageChange that explains it.
    stage = models.ForeignKey(
        "funnel.Stage", on_delete=models.PROTECT, related_name="leads", verbose_name=_("stage")
    )
    stage_entered_at = models.DateTimeField(_("in stage since"))
    # The import that created or last updated the lead (leads.imports).
    import_batch = models.ForeignKey(
        "leads.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("import"),
    )
    # Every stage the lead has been in, by id, in order of id: kept by the database
    # (leads/sql/stages_entered.py) from the lead's stage and its history; what the application
    # writes here can only add to it. leads.personas counts how far leads went from it.
    stages_entered = ArrayField(
        models.BigIntegerField(), verbose_name=_("stages entered"), default=list, editable=False
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # What the lead list searches: one column, so one trigram index serves every search. The
    # phone is there as written and as its digits alone, which a search typed any way finds.
    search_text = models.GeneratedField(
        expression=Concat(
            "full_name",
            Value(" "),
            "email",
            Value(" "),
            "company",
            Value(" "),
            "phone",
            Value(" "),
            Func("phone", Value(r"\D"), Value(""), Value("g"), function="regexp_replace"),
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_email_unique_ci"),
            models.CheckConstraint(
                condition=Q(expected_value__gte=0), name="lead_expected_value_not_negative"
            ),
            # What the lists' age filters lean on: a lead created in a range entered its stage
            # after the range began, and one late in its stage was created before its limit
            # began (leads.selectors).
            models.CheckConstraint(
                condition=Q(stage_entered_at__gte=F("created_at")),
                name="lead_enters_stage_once_created",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "stage_entered_at"], name="lead_stage_entered"),
            # The list's "longest in stage" order, across all stages.
            models.Index(fields=["stage_entered_at", "id"], name="lead_in_stage_since"),
            models.Index(fields=["-created_at", "-id"], name="lead_created_desc"),
            models.Index(fields=["marketing_owner", "stage"], name="lead_marketing_owner_stage"),
            models.Index(fields=["sales_owner", "stage"], name="lead_sales_owner_stage"),
            # A person's leads, newest first (leads.selectors._apart): what a marketer's list
            # opens on, where the newest leads of the whole table may all be someone else's.
            models.Index(
                fields=["marketing_owner", "-created_at", "-id"], name="lead_marketer_created"
            ),
            models.Index(fields=["sales_owner", "-created_at", "-id"], name="lead_rep_created"),
            models.Index(fields=["full_name", "id"], name="lead_name"),
            models.Index(fields=["-expected_value", "-id"], name="lead_value_desc"),
            models.Index(fields=["source", "-created_at", "-id"], name="lead_source_created"),
            models.Index(fields=["campaign", "-created_at", "-id"], name="lead_campaign_created"),
            # The spellings of one campaign in any letter case, a probe each (leads.pickers), for
            # the list's campaign filter: without it, finding them walked every campaign in use.
            models.Index(Lower("campaign"), "campaign", name="lead_campaign_any_case"),
            models.Index(fields=["persona", "-created_at", "-id"], name="lead_persona_created"),
            # A persona's conversion: an index-only count of its leads by stage and path.
            models.Index(fields=["persona", "stage", "stages_entered"], name="lead_persona_path"),
            models.Index(fields=["stage", "-created_at", "-id"], name="lead_stage_created"),
            GinIndex(OpClass("search_text", name="gin_trgm_ops"), name="lead_search_trgm"),
            # Two-letter searches (leads.search.paired).
            GinIndex(
                OpClass(paired(F("search_text")), name="gin_trgm_ops"),
                name="lead_search_pairs_trgm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class SearchWord(models.Model):
    """A word some lead's search text holds, kept by the database (leads/sql/search_words.py),
    so that a typo is looked up among the words leads are written with rather than judged
    against every lead (leads.search)."""

    word = models.TextField(primary_key=True)

    class Meta:
        # GiST, not GIN: it answers "the words nearest to this one" (ORDER BY <-> LIMIT).
        indexes = [GistIndex(OpClass("word", name="gist_trgm_ops"), name="search_word_trgm")]

    def __str__(self) -> str:
        return self.word


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    DETAILS = "details", _("Details changed")
    CAPTURE = "capture", _("Website form")


class Activity(models.Model):
    """Something a person did or wrote about a lead; shown on its timeline to both teams."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="activities", verbose_name=_("lead")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"))
    # What the product wrote (a reassignment, a capture, changed fields): message keys with
    # their parameters, put into words in each reader's language by leads.messages.
    # Empty in the database too: bulk loads (the demo's COPY) write only what people wrote.
    message = models.JSONField(
        _("system text"), default=list, db_default=Value([], models.JSONField()), blank=True
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["lead", "-created_at", "-id"], name="activity_lead_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.lead_id}"

    @property
    def text(self) -> str:
        """What the activity says in the reader's language: the product's lines, then what a
        person (or a website visitor) wrote."""
        return "\n".join(part for part in (render(self.message), self.body) if part)


class Mention(models.Model):
    """A colleague named with @username in an activity; listed on their mentions page."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("activity")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentions",
        verbose_name=_("mentioned"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    seen_at = models.DateTimeField(_("seen"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="mention_once_per_activity")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="mention_user_created"),
            # The menu counts a person's unseen mentions on every page.
            models.Index(
                fields=["user"], condition=models.Q(seen_at__isnull=True), name="mention_unseen"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.activity_id}"


def new_capture_key() -> str:
    """144 random bits, URL-safe: unguessable, so an unknown key reveals nothing."""
    return secrets.token_urlsafe(18)


class CaptureForm(models.Model):
    """A form on the company's website that sends leads to POST /capture/<public_key>."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    public_key = models.CharField(
        _("public key"), max_length=40, unique=True, default=new_capture_key, editable=False
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.WEBSITE
    )
    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    persona = models.ForeignKey(
        Persona,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("persona"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marketing owner of new leads"),
    )
    # Origins such as https://www.example.com, lower case, without a path or a default port.
    allowed_origins = ArrayField(
        models.CharField(max_length=200), verbose_name=_("allowed origins"), default=list
    )
    enabled = models.BooleanField(_("accepting submissions"), default=True)
    per_minute = models.PositiveIntegerField(
        _("submissions per minute"),
        default=60,
        validators=CAPTURE_RATE.validators(),
    )
    per_address_per_minute = models.PositiveIntegerField(
        _("submissions per minute from one address"),
        default=5,
        validators=CAPTURE_RATE.validators(),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("website form")
        verbose_name_plural = _("website forms")
        constraints = [
            CAPTURE_RATE.constraint("per_minute", name="capture_form_per_minute_in_bounds"),
            CAPTURE_RATE.constraint(
                "per_address_per_minute", name="capture_form_per_address_in_bounds"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Capture(models.Model):
    """One submission of a website form that reached a lead: new, or merged into a known one."""

    form = models.ForeignKey(
        CaptureForm, on_delete=models.CASCADE, related_name="captures", verbose_name=_("form")
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="captures", verbose_name=_("lead")
    )
    created_lead = models.BooleanField(_("new lead"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("capture")
        verbose_name_plural = _("captures")
        indexes = [models.Index(fields=["form", "-at", "-id"], name="capture_form_at")]

    def __str__(self) -> str:
        return f"{self.form_id} -> {self.lead_id}"


class LeadEmailAlias(models.Model):
    """Another email of a lead: the address of a lead merged into it (leads.merge). A capture,
    form or import of it finds this lead instead of creating one.

    An address is a lead's email or one alias, never both: the unique index below compares
    aliases with aliases, and the database (leads/sql/email_aliases.py) refuses an alias that a
    lead holds as its email and a lead's email that is another lead's alias."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="email_aliases", verbose_name=_("lead")
    )
    email = models.EmailField(_("email"), max_length=EMAIL_MAX_LENGTH)
    # The id the merged lead had: a later request about it is told where it went.
    merged_lead_id = models.BigIntegerField(_("merged lead"), null=True, blank=True)
    merged_at = models.DateTimeField(_("merged"), default=timezone.now)

    class Meta:
        ordering = ["email"]
        verbose_name = _("email alias")
        verbose_name_plural = _("email aliases")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_email_alias_unique_ci"),
        ]
        indexes = [
            models.Index(fields=["merged_lead_id"], name="lead_email_alias_merged"),
        ]

    def __str__(self) -> str:
        return self.email


class DuplicatePolicy(models.TextChoices):
    """What an import does to a lead whose email already exists. A blank cell never erases."""

    FILL_EMPTY = "fill_empty", _("Fill empty fields only")
    OVERWRITE = "overwrite", _("Overwrite with the file's values")
    SKIP = "skip", _("Leave existing leads alone")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    DRY_RUN = "dry_run", _("Checked")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportMapping(models.Model):
    """A mapping of a sheet's columns and values to lead fields, saved to be used again."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One uploaded file: its sheet settings, mapping, dry run, landing and undo.

    `mapping` holds {"columns": {column index: field}, "values": {field: {value: choice}}}:
    the values of the stage, owner, source and persona columns mapped to ours."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("imported by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # Relative to settings.IMPORT_ROOT.
    stored_file = models.CharField(_("stored file"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    delimiter = models.CharField(_("separator"), max_length=5, blank=True)
    header = models.JSONField(_("header"), default=list)
    # The first rows, and the distinct values of each column that has few (for value mappings).
    preview = models.JSONField(_("first rows"), default=list)
    column_values = models.JSONField(_("values per column"), default=dict)
    mapping = models.JSONField(_("mapping"), default=dict)
    policy = models.CharField(
        _("existing emails"),
        max_length=12,
        choices=DuplicatePolicy.choices,
        default=DuplicatePolicy.FILL_EMPTY,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # Staged rows landed so far: every chunk commits its rows and this count together.
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    new_count = models.PositiveIntegerField(_("new leads"), default=0)
    update_count = models.PositiveIntegerField(_("updated leads"), default=0)
    repeat_count = models.PositiveIntegerField(_("repeated emails"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    created_count = models.PositiveIntegerField(_("leads created"), default=0)
    updated_count = models.PositiveIntegerField(_("leads updated"), default=0)
    # The dry run's sample of changes and errors; the landing's and undo's results.
    summary = models.JSONField(_("summary"), default=dict)
    error_file = models.CharField(_("error file"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name


class ImportedLead(models.Model):
    """A lead an import created or changed, with the values it replaced: what undo restores."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="+", verbose_name=_("import")
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    created = models.BooleanField(_("created"))
    # Each changed field's value before and after the import (empty for a created lead).
    previous = models.JSONField(default=dict)
    written = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "lead"], name="imported_lead_once")]

    def __str__(self) -> str:
        return f"{self.batch_id} -> {self.lead_id}"
