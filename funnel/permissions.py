"""What managers may do in the admin: configure the funnel (stages, reasons, allowed moves)."""

from typing import Any

from accounts.roles import Role

FUNNEL_CONFIGURATION = [
    f"{action}_{model}"
    for model in ("stage", "reason", "transition")
    for action in ("add", "change", "view")
]


def grant_funnel_configuration(group_model: Any, permission_model: Any) -> None:
    """Give the Managers group the admin permissions to configure the funnel; takes the models
    so that data migrations can pass theirs. The permissions must exist already."""
    managers, _ = group_model.objects.get_or_create(name=Role.MANAGERS.value)
    permissions = permission_model.objects.filter(
        content_type__app_label="funnel", codename__in=FUNNEL_CONFIGURATION
    )
    managers.permissions.add(*permissions)
