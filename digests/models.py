from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DigestRole(models.TextChoices):
    """Whose agenda a digest is: a person with several roles gets the widest one."""

    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales rep")
    MARKETING = "marketing", _("Marketer")


class SendStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be retried")
    INTERRUPTED = "interrupted", _("Interrupted, may not have been sent")
    OPTED_OUT = "opted_out", _("Not emailed (turned off)")


class TeamWeek(models.Model):
    """The figures every digest of a week shares about the team, read once for everyone, so
    that all the week's digests agree and a thousand digests do not read them a thousand times."""

    week = models.DateField(_("week starting"), unique=True)
    content = models.JSONField(_("content"), encoder=DjangoJSONEncoder)
    # The shape `content` was built in (digests.content reads every version).
    content_version = models.PositiveSmallIntegerField(_("content version"))
    built_at = models.DateTimeField(_("built"))

    class Meta:
        ordering = ["-week"]
        verbose_name = _("team week")
        verbose_name_plural = _("team weeks")

    def __str__(self) -> str:
        return self.week.isoformat()


class Digest(models.Model):
    """One person's weekly alignment digest: built once, kept as a page, emailed at most once.

        `week` is the Monday that starts the week the digest looks back on (a digest sent on Monday
        30 November covers 23-29 November, and its week is 23 November). `content` holds the figures
        as they were when the digest was built, so the page and the email always agree; a digest of
    an older `content_version` reads through digests.content in the current shape."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digests",
        verbose_name=_("person"),
    )
    week = models.DateField(_("week starting"))
    role = models.CharField(_("role"), max_length=12, choices=DigestRole.choices)
    content = models.JSONField(_("content"), encoder=DjangoJSONEncoder)
    # The shape `content` was built in (digests.content reads every version).
    content_version = models.PositiveSmallIntegerField(_("content version"))
    built_at = models.DateTimeField(_("built"))
    status = models.CharField(
        _("email"), max_length=12, choices=SendStatus.choices, default=SendStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-week", "user_id"]
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="digest_once_per_user_week"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="digest_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["week", "status"], name="digest_week_status")]

    def __str__(self) -> str:
        return f"{self.user} · {self.week.isoformat()}"


class DigestPreference(models.Model):
    """A person's choice about the digest email. No row means the email is on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_preference",
        verbose_name=_("person"),
    )
    email = models.BooleanField(_("email me the weekly digest"), default=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self) -> str:
        return f"{self.user}: {'on' if self.email else 'off'}"
