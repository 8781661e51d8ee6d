from django.db import migrations


def give_sql_a_first_touch_limit(apps, schema_editor):
    """Sales commits to a first touch within a day of the claim, unless already configured."""
    apps.get_model("funnel", "Stage").objects.filter(
        slug="sql", first_touch_hours__isnull=True
    ).update(first_touch_hours=24)


class Migration(migrations.Migration):
    dependencies = [("funnel", "0006_first_touch_hours")]

    operations = [migrations.RunPython(give_sql_a_first_touch_limit, migrations.RunPython.noop)]
