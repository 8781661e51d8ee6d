from django.contrib.auth.management import create_permissions
from django.db import migrations

from funnel.permissions import grant_funnel_configuration


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create funnel's now.
    funnel = apps.get_app_config("funnel")
    funnel.models_module = True
    create_permissions(funnel, apps=apps, verbosity=0)
    grant_funnel_configuration(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("funnel", "0005_default_transitions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
