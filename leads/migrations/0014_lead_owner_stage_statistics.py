"""The planner learns which owners have leads in which stages.

Estimating an owner and a stage as independent, it expected thousands of leads where a sales rep
has none (a rep owns no lead in Working) and walked the whole sort index looking for them:
seconds. Statistics of the most common (owner, stage) pairs, which hold every pair in use at
this size, let it see that such a combination is empty and ask the (owner, stage) indexes."""

from django.db import migrations

CREATE = """
CREATE STATISTICS lead_marketing_owner_stage_mcv (mcv) ON marketing_owner_id, stage_id
    FROM leads_lead;
ALTER STATISTICS lead_marketing_owner_stage_mcv SET STATISTICS 1000;
CREATE STATISTICS lead_sales_owner_stage_mcv (mcv) ON sales_owner_id, stage_id FROM leads_lead;
ALTER STATISTICS lead_sales_owner_stage_mcv SET STATISTICS 1000;
ANALYZE leads_lead;
"""

DROP = """
DROP STATISTICS lead_marketing_owner_stage_mcv;
DROP STATISTICS lead_sales_owner_stage_mcv;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0013_lead_stages_entered"),
    ]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
