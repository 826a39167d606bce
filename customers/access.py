"""The one place that turns a user into what they may see (docs/DOMAIN.md#roles-and-tenancy).

Every view reads through these helpers. Outsiders get 404 from the `get_…_for_user` helpers,
never 403, so the existence of another reseller's object does not leak. A role too weak for an
action on an object it may see is refused by `require_staff` / `require_price_admin` with 403.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from customers.models import (
    AgreementPeriod,
    Customer,
    ImportJob,
    Installation,
    LicenseHolding,
    Membership,
    Reseller,
)

STAFF_GROUP = "Distributor staff"
PRICE_ADMIN_GROUP = "Price admins"

AnyUser = User | AnonymousUser


def _group_names(user: AnyUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_ssa_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._ssa_group_names = cached
    return cached


def is_price_admin(user: AnyUser) -> bool:
    return user.is_authenticated and (user.is_superuser or PRICE_ADMIN_GROUP in _group_names(user))


def is_distributor_staff(user: AnyUser) -> bool:
    """Distributor staff see every reseller's data; price admins are staff too."""
    return user.is_authenticated and (
        user.is_superuser or bool(_group_names(user) & {STAFF_GROUP, PRICE_ADMIN_GROUP})
    )


def reseller_of(user: AnyUser) -> Reseller | None:
    """The user's reseller (None for staff and users of no reseller), looked up once per
    request with one query."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_ssa_reseller"):
        membership = (Membership.objects.select_related("reseller")
                      .filter(user_id=user.pk).first())
        user._ssa_reseller = membership.reseller if membership else None
    return user._ssa_reseller


def require_staff(user: AnyUser) -> None:
    if not is_distributor_staff(user):
        raise PermissionDenied


def require_price_admin(user: AnyUser) -> None:
    if not is_price_admin(user):
        raise PermissionDenied


def resellers_for(user: AnyUser) -> QuerySet[Reseller]:
    if is_distributor_staff(user):
        return Reseller.objects.all()
    reseller = reseller_of(user)
    return Reseller.objects.filter(pk=reseller.pk) if reseller else Reseller.objects.none()


def customers_for(user: AnyUser) -> QuerySet[Customer]:
    if is_distributor_staff(user):
        return Customer.objects.all()
    reseller = reseller_of(user)
    return Customer.objects.filter(reseller=reseller) if reseller else Customer.objects.none()


# Staff get the unfiltered querysets: a condition that every row meets still costs a join or a
# semi-join over all customers on every page (measured: docs/PERFORMANCE.md).


def installations_for(user: AnyUser) -> QuerySet[Installation]:
    if is_distributor_staff(user):
        return Installation.objects.all()
    return Installation.objects.filter(customer__in=customers_for(user))


def holdings_for(user: AnyUser) -> QuerySet[LicenseHolding]:
    if is_distributor_staff(user):
        return LicenseHolding.objects.all()
    return LicenseHolding.objects.filter(installation__in=installations_for(user))


def periods_for(user: AnyUser) -> QuerySet[AgreementPeriod]:
    if is_distributor_staff(user):
        return AgreementPeriod.objects.all()
    return AgreementPeriod.objects.filter(installation__in=installations_for(user))


def get_customer_for_user(user: AnyUser, pk: int) -> Customer:
    return get_object_or_404(customers_for(user).select_related("reseller"), pk=pk)


def get_installation_for_user(user: AnyUser, pk: int) -> Installation:
    return get_object_or_404(
        installations_for(user).select_related("customer", "customer__reseller"), pk=pk
    )


def get_holding_for_user(user: AnyUser, pk: int) -> LicenseHolding:
    return get_object_or_404(
        holdings_for(user).select_related("installation__customer", "license_type"), pk=pk
    )


def get_period_for_user(user: AnyUser, pk: int) -> AgreementPeriod:
    return get_object_or_404(periods_for(user).select_related("installation__customer"), pk=pk)


def import_jobs_for(user: AnyUser) -> QuerySet[ImportJob]:
    """A user sees the imports they started."""
    if not user.is_authenticated:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user)


def get_import_job_for_user(user: AnyUser, pk: int) -> ImportJob:
    return get_object_or_404(import_jobs_for(user), pk=pk)


def staff_users() -> QuerySet[User]:
    """The distributor's active staff (price admins included): who hears of drafts ready."""
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(groups__name__in=[STAFF_GROUP, PRICE_ADMIN_GROUP])).distinct()


def reseller_users(reseller: Reseller) -> QuerySet[User]:
    """The active users of one reseller."""
    return User.objects.filter(is_active=True, membership__reseller=reseller)
