"""Two-letter searches (王伟, "li") are served by a trigram index on the search text with every
letter written twice (leads.search.paired) instead of reading every lead."""

import django.contrib.postgres.indexes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0011_lead_search_phone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    models.Func(
                        models.F("search_text"),
                        models.Value("(.)"),
                        models.Value("\\1\\1"),
                        models.Value("g"),
                        function="regexp_replace",
                        output_field=models.TextField(),
                    ),
                    name="gin_trgm_ops",
                ),
                name="lead_search_pairs_trgm",
            ),
        ),
    ]
