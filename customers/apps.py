from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(sender, using="default", **kwargs):
    """Django admin access per role (the admin is for inspection:
    docs/ARCHITECTURE.md#the-django-admin). Staff may view every model; price admins also keep
    the license catalogue and firmware releases. Runs after migrate, when the permissions
    exist."""
    from django.contrib.auth.models import Group, Permission

    from customers.access import PRICE_ADMIN_GROUP, STAFF_GROUP

    groups = {group.name: group for group in
              Group.objects.using(using).filter(name__in=[STAFF_GROUP, PRICE_ADMIN_GROUP])}
    if len(groups) < 2:
        return
    apps = ("customers", "quotes")
    view = Permission.objects.using(using).filter(content_type__app_label__in=apps,
                                                   codename__startswith="view_")
    catalogue = Permission.objects.using(using).filter(
        content_type__app_label="customers",
        content_type__model__in=["licensetype", "firmwarerelease"],
    )
    groups[STAFF_GROUP].permissions.add(*view)
    groups[PRICE_ADMIN_GROUP].permissions.add(*view, *catalogue)


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers and installations")

    def ready(self):
        # After every app's migrations: the quotes app's permissions exist only once its own
        # post_migrate has run, so granting is repeated (it is idempotent).
        post_migrate.connect(grant_role_permissions, dispatch_uid="ssa_grant_role_permissions")
        # The background tasks register themselves with common.queue.
        from customers import tasks  # noqa: F401
