"""The history of changes to what people configure: who changed which object, when, and each
field from what to what.

This app is the bottom layer: it imports only Django, so every other app may record into it.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The kinds of object whose changes are recorded, as "app_label.model_name". The history page
# and the API offer them as filters; record_change refuses any other, so a model is added here
# when its services start recording.
AUDITED = (
    "funnel.stage",
    "funnel.reason",
    "funnel.transition",
    "funnel.revenuegoal",
    "leads.persona",
    "leads.captureform",
    "leads.lead",
    "accounts.apitoken",
    "accounts.user",
)


class Action(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")


class AuditEntry(models.Model):
    """One change to one object, written in the transaction that made it.

    `changes` is a list of {"field": name, "from": value, "to": value}, in the order the fields
    were given, with values as JSON (a related object as its name, a choice as its key): the
    object may be renamed or deleted later, and its history still reads as it was."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=list)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("history of changes")
        indexes = [
            # The history page's pages, all kinds or one kind, newest first.
            models.Index(fields=["-at", "-id"], name="auditentry_at_id"),
            models.Index(fields=["content_type", "-at", "-id"], name="auditentry_kind_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.action}"
