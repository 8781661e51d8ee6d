from django.db import migrations


def allow_closing_from_working(apps, schema_editor):
    """Only this move, and only where both stages exist: moves an admin removed stay removed."""
    stage = apps.get_model("funnel", "Stage")
    transition = apps.get_model("funnel", "Transition")
    stages = {s.slug: s for s in stage.objects.filter(slug__in=["working", "lost"])}
    if len(stages) == 2:
        transition.objects.get_or_create(
            from_stage=stages["working"],
            to_stage=stages["lost"],
            defaults={"kind": "lost"},
        )


def forbid_closing_from_working(apps, schema_editor):
    apps.get_model("funnel", "Transition").objects.filter(
        from_stage__slug="working", to_stage__slug="lost"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("funnel", "0013_stage_and_goal_bounds")]

    operations = [
        migrations.RunPython(allow_closing_from_working, forbid_closing_from_working),
    ]
