import pytest
from django.core.exceptions import ValidationError

from common.errors import DomainError
from customers import services
from customers.validators import validate_org_number


@pytest.mark.parametrize("number", ["923609016", "923 609 016", "974760673"])
def test_a_valid_norwegian_organisation_number_is_accepted(number):
    validate_org_number(number)


@pytest.mark.parametrize("number", ["923609017", "12345678", "1234567890", "ABCDEFGHI", "000"])
def test_an_invalid_organisation_number_is_refused_with_a_clear_message(number):
    with pytest.raises(ValidationError) as error:
        validate_org_number(number)
    assert "organisation number" in str(error.value)


def test_an_empty_organisation_number_is_allowed():
    validate_org_number("")


def test_a_customer_is_stored_with_the_compact_org_number(user_a):
    customer = services.customer_create(
        user=user_a, name="Test AS", org_number="923 609 016", contact_name="", email="",
        phone="", street="", postal_code="", city="", language="nb",
    )
    customer.refresh_from_db()
    assert customer.org_number == "923609016"


def test_a_customer_with_a_bad_org_number_is_not_created(user_a):
    with pytest.raises(DomainError) as error:
        services.customer_create(
            user=user_a, name="Test AS", org_number="923609017", contact_name="", email="",
            phone="", street="", postal_code="", city="", language="nb",
        )
    assert "org_number" in error.value.errors
    assert not user_a.membership.reseller.customers.exists()


def test_the_customer_form_shows_the_org_number_error_next_to_the_field(client, user_a):
    client.force_login(user_a)
    response = client.post("/customers/new/", {"name": "X AS", "org_number": "123",
                                               "language": "nb"})
    assert response.status_code == 200
    assert "org_number" in response.context["form"].errors
