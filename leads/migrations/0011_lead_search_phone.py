"""The lead list's search reads the phone too, as written and as its digits alone.

PostgreSQL cannot change a generated column's expression: the column and its trigram index are
dropped and made again (the table is rewritten once)."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_mention_unseen_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="lead", name="lead_search_trgm"),
        migrations.RemoveField(model_name="lead", name="search_text"),
        migrations.AddField(
            model_name="lead",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Concat(
                    "full_name",
                    models.Value(" "),
                    "email",
                    models.Value(" "),
                    "company",
                    models.Value(" "),
                    "phone",
                    models.Value(" "),
                    models.Func(
                        "phone",
                        models.Value("\\D"),
                        models.Value(""),
                        models.Value("g"),
                        function="regexp_replace",
                    ),
                    output_field=models.TextField(),
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass("search_text", name="gin_trgm_ops"),
                name="lead_search_trgm",
            ),
        ),
    ]
