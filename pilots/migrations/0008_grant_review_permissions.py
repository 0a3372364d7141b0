"""Model permissions of each role's group for the preliminary list, the approval and the money (object
scope is checked by pilots.selectors_money). The auditor reads every pilots model."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "department_officer": [
        "draft_approval",
        "view_selection",
        "add_selection",
        "change_selection",
        "view_selectionentry",
        "view_approval",
        "add_approval",
        "change_approval",
        "view_instalment",
        "view_payment",
    ],
    "department_leader": [
        "approve_approval",
        "view_selection",
        "view_selectionentry",
        "view_approval",
        "view_instalment",
        "view_payment",
    ],
    "finance_department": ["view_approval", "view_instalment", "view_payment", "add_payment"],
}
# Granted by 0004: kept when this migration is reversed.
EARLIER_AUDITOR_GRANTS = ["view_pilotcall", "view_pilotplan", "view_planversion", "view_targettemplate"]


def _pilots_permissions(Permission, codenames=None):
    permissions = Permission.objects.filter(content_type__app_label="pilots")
    return permissions if codenames is None else permissions.filter(codename__in=codenames)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("pilots")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*_pilots_permissions(Permission, codenames))
    auditor, _ = Group.objects.get_or_create(name="auditor")
    auditor.permissions.add(*_pilots_permissions(Permission).filter(codename__startswith="view_"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=group_name):
            group.permissions.remove(*_pilots_permissions(Permission, codenames))
    for auditor in Group.objects.filter(name="auditor"):
        auditor.permissions.remove(
            *_pilots_permissions(Permission)
            .filter(codename__startswith="view_")
            .exclude(codename__in=EARLIER_AUDITOR_GRANTS)
        )


class Migration(migrations.Migration):
    dependencies = [("pilots", "0007_approval_task_permissions"), ("accounts", "0002_create_role_groups")]
    operations = [migrations.RunPython(grant, revoke)]
