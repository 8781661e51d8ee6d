"""A claim now counts as touched in time when anyone touched the lead in time, not only the
person who claimed it (a reassigned lead keeps its first touch): every stored day is rebuilt by
the next refresh."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0003_rollup_marks_from_source")]

    operations = [
        migrations.RunSQL(
            "INSERT INTO dashboard_rollupdirtyhour (hour) VALUES (NULL)",
            reverse_sql="INSERT INTO dashboard_rollupdirtyhour (hour) VALUES (NULL)",
        )
    ]
