from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


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


class Lead(models.Model):
    """A person (and their company) who may buy. One row per email address, whatever its case."""

    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"), max_length=254)
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
        _("expected value"), max_digits=12, decimal_places=2, default=0
    )
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
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_email_unique_ci"),
            models.CheckConstraint(
                condition=Q(expected_value__gte=0), name="lead_expected_value_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "stage_entered_at"], name="lead_stage_entered"),
            models.Index(fields=["-created_at", "-id"], name="lead_created_desc"),
            models.Index(fields=["marketing_owner", "stage"], name="lead_marketing_owner_stage"),
            models.Index(fields=["sales_owner", "stage"], name="lead_sales_owner_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"
