"""Every model page of the Django admin opens: the list and, for one object of each model, its
page (a field an inline or list names that no longer exists fails here, not in front of staff)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from quotes import services


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.no", "root@example.no", "x-pass-1234!")


def test_every_admin_list_and_object_page_opens(client, superuser, staff, customer_a):
    call_command("seed_demo", verbosity=0)
    from tests.quotes.test_renewals import WINDOW, due_installation

    installation = due_installation(customer_a, "Admin")
    services.renewal_batch_create(user=staff, installations=[installation], window_end=WINDOW)
    client.force_login(superuser)
    opened = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        obj = model_admin.get_queryset(_request(superuser)).first()
        if obj is not None:
            page = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(page).status_code == 200, page
            opened += 1
    assert opened >= 10, "most models have an object to open"


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
