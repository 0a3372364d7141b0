from django.db import migrations


def approved_plans_are_implementing(apps, schema_editor):
    apps.get_model("pilots", "PilotPlan").objects.filter(status="approved", phase="").update(phase="implementing")


class Migration(migrations.Migration):
    dependencies = [("pilots", "0010_post_approval_phase_clawback_acceptance")]

    operations = [migrations.RunPython(approved_plans_are_implementing, migrations.RunPython.noop)]
