"""Production refuses to start without the portal's public https address and the distributor's
identity (common/checks.py): a system check error that `check`, `check --deploy`, `migrate` (the
start command) and every other command report. Offers are signed once, so a forgotten variable
would otherwise print a dead verification link or a placeholder letterhead forever."""

import pytest
from django.core.checks import Error, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from common.checks import production_configuration

IDENTITY = {
    "SSA_DISTRIBUTOR_NAME": "Nordic Unified AS",
    "SSA_DISTRIBUTOR_ADDRESS": "Postboks 123 Sentrum, 0102 Oslo",
    "SSA_DISTRIBUTOR_ORG_NUMBER": "923609016",
    "SSA_DISTRIBUTOR_EMAIL": "ssa@nordic-unified.example.no",
}


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.SSA_PUBLIC_BASE_URL = "https://ssa.example.no"
    for name, value in IDENTITY.items():
        setattr(settings, name, value)
    return settings


def ids(errors) -> set[str]:
    return {error.id for error in errors}


def test_a_complete_production_configuration_passes(production):
    assert production_configuration(None) == []


@pytest.mark.parametrize("url", [
    "", "http://127.0.0.1:8000", "http://ssa.example.no", "https://localhost",
    "https://127.0.0.1:8443", "https://", "ssa.example.no", "https://ssa.example.no/?x=1",
    "https://[::1"])
def test_production_refuses_a_public_base_url_that_is_not_a_public_https_address(production,
                                                                                  url):
    production.SSA_PUBLIC_BASE_URL = url
    errors = production_configuration(None)
    assert ids(errors) == {"ssa.E001"}
    assert all(isinstance(error, Error) for error in errors)
    assert "SSA_PUBLIC_BASE_URL" in errors[0].msg


@pytest.mark.parametrize("name", sorted(IDENTITY))
def test_production_refuses_to_start_without_each_part_of_the_distributors_identity(production,
                                                                                     name):
    setattr(production, name, "  ")
    errors = production_configuration(None)
    assert ids(errors) == {"ssa.E002"}
    assert name in errors[0].msg


@pytest.mark.parametrize(("name", "value", "check_id"), [
    ("SSA_DISTRIBUTOR_ORG_NUMBER", "923609017", "ssa.E003"),
    ("SSA_DISTRIBUTOR_EMAIL", "not an address", "ssa.E004"),
])
def test_production_refuses_an_invalid_org_number_or_e_mail_address(production, name, value,
                                                                    check_id):
    setattr(production, name, value)
    assert ids(production_configuration(None)) == {check_id}


def test_the_check_command_reports_the_missing_configuration(production):
    production.SSA_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    production.SSA_DISTRIBUTOR_NAME = ""
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "ssa.E001" in str(raised.value) and "ssa.E002" in str(raised.value)


def test_the_check_runs_with_and_without_deploy_and_under_the_security_tag(production):
    production.SSA_PUBLIC_BASE_URL = ""
    for options in ({}, {"include_deployment_checks": True}, {"tags": ["security"]}):
        assert "ssa.E001" in ids(run_checks(**options))


def test_a_developers_machine_keeps_its_demo_defaults(settings):
    settings.PRODUCTION = False
    settings.SSA_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    assert production_configuration(None) == []
