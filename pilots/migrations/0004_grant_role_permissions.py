"""Model permissions of each role's group for pilots (object scope is checked by pilots.permissions)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "applicant": ["view_pilotcall", "view_pilotplan", "add_pilotplan", "change_pilotplan", "draft_pilotplan"],
    "cosigner": ["view_pilotcall", "view_pilotplan", "cosign_pilotplan"],
    "department_officer": ["view_pilotcall", "add_pilotcall", "change_pilotcall", "view_pilotplan", "check_pilotplan"],
    "department_leader": ["view_pilotcall", "view_pilotplan"],
    "finance_department": ["view_pilotcall", "view_pilotplan"],
    "auditor": ["view_pilotcall", "view_pilotplan", "view_planversion", "view_targettemplate"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("pilots")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="pilots", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=group_name):
            group.permissions.remove(*Permission.objects.filter(content_type__app_label="pilots", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("pilots", "0003_pilotplan_task_permissions"), ("accounts", "0002_create_role_groups")]
    operations = [migrations.RunPython(grant, revoke)]
