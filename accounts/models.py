from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person on the Marketing or Sales team (or both, or managing them)."""

    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Leave empty to use the organisation's default language."),
    )

    class Meta(AbstractUser.Meta):
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new password also ends the person's API tokens, as it ends their other sessions:
        whoever changes a password because it leaked means every way in. Here rather than in
        the password page, so that the admin and `manage.py changepassword` do it too;
        set_password is what marks a new one (a hash upgraded at login is not)."""
        new_password = getattr(self, "_password", None) is not None and self.pk is not None
        super().save(*args, **kwargs)
        if new_password:
            ApiToken.objects.filter(user=self).delete()


class ApiToken(models.Model):
    """A named key a person gives a script to use the API as them, until it expires or they
    revoke it. Only a hash of its secret is kept: the full token is shown once, at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=80)
    # Finds the row for a presented token; the secret itself is checked against `secret_hash`.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="api_token_name_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class UsedTwoFactorCode(models.Model):
    """An authenticator app's code that logged someone in, kept while the code is still valid
    so that nobody logs in with it a second time (a code seen over a shoulder, or replayed).
    In PostgreSQL rather than the cache: the protection holds while Redis is down."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    # SHA-256 of the code: the table never holds a code that could still be typed.
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="two_factor_code_used_once")
        ]

    def __str__(self) -> str:
        return f"code used by {self.user_id} until {self.expires_at:%H:%M:%S}"
