"""What data migrations call to grant permissions. Frozen: never change what an existing function does (a
migration already applied somewhere must mean the same thing forever); add a new function instead."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

APPS_WITH_PERMISSIONS = ("core", "intake", "triage", "portfolio", "webhooks")


def permissions_create(apps: Apps) -> None:
    """Make the permission rows of the models the registry knows so far (Django makes them only after migrate)."""
    for app_config in apps.get_app_configs():
        if app_config.label in APPS_WITH_PERMISSIONS:
            # A migration's registry has no models module; create_permissions skips an app without one.
            app_config.models_module = getattr(app_config, "models_module", None) or True  # type: ignore[assignment]
            create_permissions(app_config, verbosity=0, apps=apps)


def permissions_named(apps: Apps, codes: list[str]) -> list:
    """The permission rows of `app_label.codename` names (one missing is an error: a name must mean a row)."""
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in (code.split(".") for code in codes)
    ]


def permissions_grant(apps: Apps, grants: dict[str, list[str]]) -> None:
    """Give each named group (created if missing) these permissions, on top of what it holds: additive, so the
    migrations of different apps may run in any order."""
    permissions_create(apps)
    Group = apps.get_model("auth", "Group")
    for name, codes in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions_named(apps, codes))
