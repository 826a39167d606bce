from django.conf import settings

from customers.access import is_distributor_staff, is_price_admin, reseller_of


def portal(request):
    user = request.user
    return {
        "distributor_name": settings.SSA_DISTRIBUTOR_NAME,
        "is_staff_user": is_distributor_staff(user),
        "is_price_admin": is_price_admin(user),
        "current_reseller": reseller_of(user),
    }
