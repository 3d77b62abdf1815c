"""Give organizations that already exist what organization_create now makes:
a Wagtail group per staff role, each staff member in the group of their role,
and the organization's own moderation workflow (its managers approve).

The organization's staff group, which held every permission, becomes its
managers' group. The permission table is copied here as it stood when this
migration was written (services.py ROLE_PERMISSIONS may change later).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN = [("wagtailadmin", "access_admin")]
ORGANIZATION_SETUP = [
    ("tenancy", f"{action}_location") for action in ("add", "change", "delete", "view")
] + [("tenancy", "change_portalsettings"), ("tenancy", "view_portalsettings")]
STAFF = [
    ("tenancy", f"{action}_staffmembership")
    for action in ("add", "change", "delete", "view")
]
FAMILIES = [
    ("families", "change_family"),
    ("families", "view_family"),
    ("families", "change_student"),
    ("families", "view_student"),
]
LOOKUPS = [
    ("snippets", f"{action}_{model}")
    for model in ("referralsource", "customfield")
    for action in ("add", "change", "delete")
]
CATALOG = [
    ("catalog", f"{action}_{model}")
    for model in (
        "program",
        "level",
        "instructor",
        "class",
        "event",
        "partypackage",
        "partyslot",
        "blackout",
    )
    for action in ("add", "change", "delete", "view")
]
ROLES = {
    "manager": ADMIN + ORGANIZATION_SETUP + STAFF + FAMILIES + LOOKUPS + CATALOG,
    "front_desk": ADMIN + FAMILIES + LOOKUPS + CATALOG,
    "marketing": ADMIN,
}
CONTENT_ROLES = ("manager", "marketing")
GROUP_NAMES = {
    "manager": "{name} managers ({slug})",
    "front_desk": "{name} front desk ({slug})",
    "marketing": "{name} marketing ({slug})",
}
PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", f"{action}_image")
    for action in ("add", "change", "choose", "delete")
] + [
    ("wagtaildocs", f"{action}_document")
    for action in ("add", "change", "choose", "delete")
]


def forwards(apps, schema_editor):
    Organization = apps.get_model("tenancy", "Organization")
    if not Organization.objects.exists():
        return
    # Permissions are made after migrations run; a database that skipped a few
    # releases may not have them all yet.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    RoleGroup = apps.get_model("tenancy", "RoleGroup")
    StaffMembership = apps.get_model("tenancy", "StaffMembership")
    PortalHomePage = apps.get_model("pages", "PortalHomePage")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    def permission(app_label, codename):
        return Permission.objects.get(
            content_type__app_label=app_label, codename=codename
        )

    for organization in Organization.objects.all():
        home = PortalHomePage.objects.filter(organization_id=organization.pk).first()
        groups = {}
        for role, codes in ROLES.items():
            name = GROUP_NAMES[role].format(
                name=organization.name, slug=organization.slug
            )
            existing = RoleGroup.objects.filter(
                organization=organization, role=role
            ).first()
            if existing is not None:
                group = existing.group
            elif role == "manager" and organization.staff_group_id:
                group = organization.staff_group
                group.name = name
                group.save()
            else:
                group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set([permission(app, code) for app, code in codes])
            if role in CONTENT_ROLES:
                if home is not None:
                    for code in PAGE_PERMISSIONS:
                        GroupPagePermission.objects.get_or_create(
                            group=group,
                            page_id=home.pk,
                            permission=permission("wagtailcore", code),
                        )
                if organization.collection_id:
                    for app, code in COLLECTION_PERMISSIONS:
                        GroupCollectionPermission.objects.get_or_create(
                            group=group,
                            collection_id=organization.collection_id,
                            permission=permission(app, code),
                        )
            RoleGroup.objects.get_or_create(
                organization=organization, role=role, defaults={"group": group}
            )
            groups[role] = group
        organization.staff_group = groups["manager"]
        organization.save(update_fields=["staff_group"])

        for membership in StaffMembership.objects.filter(organization=organization):
            user = membership.user
            user.groups.remove(
                *(group for role, group in groups.items() if role != membership.role)
            )
            user.groups.add(groups[membership.role])

        if home is None or WorkflowPage.objects.filter(page_id=home.pk).exists():
            continue
        task = GroupApprovalTask.objects.create(
            name=f"{organization.name} managers' approval ({organization.slug})",
            content_type=ContentType.objects.get_or_create(
                app_label="wagtailcore", model="groupapprovaltask"
            )[0],
            active=True,
        )
        task.groups.set([groups["manager"]])
        workflow = Workflow.objects.create(
            name=f"{organization.name} managers' approval", active=True
        )
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(page_id=home.pk, workflow=workflow)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0006_role_groups"),
        ("pages", "0003_policypage_version"),
        ("accounts", "0002_verificationcode"),
        ("catalog", "0002_class_first_meeting"),
        ("families", "0001_initial"),
        ("snippets", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
