from django.db import migrations

from funnel.defaults import ensure_default_funnel


def create_default_funnel(apps, schema_editor):
    ensure_default_funnel(apps.get_model("funnel", "Stage"), apps.get_model("funnel", "Reason"))


class Migration(migrations.Migration):
    dependencies = [("funnel", "0002_initial")]

    operations = [migrations.RunPython(create_default_funnel, migrations.RunPython.noop)]
