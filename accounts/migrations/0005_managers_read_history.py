from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import grant_history_reading


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create audit's now.
    audit = apps.get_app_config("audit")
    audit.models_module = True
    create_permissions(audit, apps=apps, verbosity=0)
    grant_history_reading(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    """Managers read the history of changes (audit.access.can_read_history)."""

    dependencies = [
        ("accounts", "0004_api_tokens"),
        ("audit", "0001_history_of_changes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
