from django.db import migrations, models


class Migration(migrations.Migration):
    """Every digest and team week stored so far has the content's first shape: version 1."""

    dependencies = [
        ("digests", "0001_digests_team_weeks_preferences"),
    ]

    operations = [
        migrations.AddField(
            model_name="digest",
            name="content_version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="content version"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="teamweek",
            name="content_version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="content version"),
            preserve_default=False,
        ),
    ]
