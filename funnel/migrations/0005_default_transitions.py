from django.db import migrations

from funnel.defaults import ensure_default_transitions


def create_default_transitions(apps, schema_editor):
    ensure_default_transitions(
        apps.get_model("funnel", "Stage"), apps.get_model("funnel", "Transition")
    )


class Migration(migrations.Migration):
    dependencies = [("funnel", "0004_transitions_and_deal_value")]

    operations = [migrations.RunPython(create_default_transitions, migrations.RunPython.noop)]
