"""No Docker engine runs on these machines, so the compose file is checked by reading it."""

from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from ssa_portal import settings as portal_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgresql_15_the_portal_and_a_task_worker(compose):
    assert set(compose["services"]) == {"db", "portal", "worker"}
    assert "db_worker" in compose["services"]["worker"]["command"]
    assert compose["services"]["worker"]["image"] == compose["services"]["portal"]["image"]
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["portal"]["build"] == "."


def test_the_portal_waits_for_a_healthy_database_and_migrates_on_start(compose):
    portal = compose["services"]["portal"]
    assert portal["depends_on"]["db"]["condition"] == "service_healthy"
    assert "migrate --noinput" in portal["command"]
    assert "gunicorn ssa_portal.wsgi" in portal["command"]


def test_the_signing_certificate_is_recorded_on_start_after_migrating(compose):
    """docs/SECURITY.md#signing-keys-and-their-rotation: the configured key's certificate is
    recorded before the portal serves, in compose and in the image's own command."""
    for command in (compose["services"]["portal"]["command"],
                    (ROOT / "Dockerfile").read_text().split("CMD", 1)[1]):
        assert (command.index("migrate --noinput")
                < command.index("record_signing_certificate") < command.index("gunicorn"))


def test_every_service_has_a_health_check(compose):
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "/healthz/" in " ".join(compose["services"]["portal"]["healthcheck"]["test"])
    assert "db_worker" in " ".join(compose["services"]["worker"]["healthcheck"]["test"])


def test_the_signing_key_is_mounted_read_only_never_baked_in(compose):
    for name in ("portal", "worker"):
        service = compose["services"][name]
        assert service["environment"]["SSA_SIGNING_P12"] == "/run/secrets/signing.p12"
        assert any(volume.endswith(":/run/secrets/signing.p12:ro")
                   for volume in service["volumes"])
        assert service["environment"]["SSA_SIGNING_PASSPHRASE"].startswith("${")


def test_the_portal_reads_its_database_and_secret_from_the_environment(compose):
    environment = compose["services"]["portal"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["DEBUG"] == "false"


def test_compose_publishes_the_portal_to_the_reverse_proxy_on_this_host_only(compose):
    portal = compose["services"]["portal"]
    assert portal["ports"] == ["127.0.0.1:8000:8000"]
    assert portal["environment"]["SSA_TRUSTED_PROXY_COUNT"] == "${SSA_TRUSTED_PROXY_COUNT:-1}"


def test_data_lives_in_named_volumes(compose):
    assert set(compose["volumes"]) == {"pgdata", "portal-data"}
    assert "portal-data:/data" in compose["services"]["portal"]["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_the_health_endpoint_answers_without_login(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_a_bad_boolean_in_the_environment_fails_loudly(monkeypatch, raw):
    monkeypatch.setenv("SSA_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SSA_TEST_FLAG"):
        portal_settings.env_bool("SSA_TEST_FLAG")


def test_a_bad_integer_in_the_environment_fails_loudly(monkeypatch):
    monkeypatch.setenv("SSA_TEST_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SSA_TEST_NUMBER"):
        portal_settings.env_int("SSA_TEST_NUMBER", 1)


def test_environment_helpers_read_good_values(monkeypatch):
    monkeypatch.setenv("SSA_TEST_FLAG", "True")
    monkeypatch.setenv("SSA_TEST_LIST", "a.example, b.example,")
    assert portal_settings.env_bool("SSA_TEST_FLAG") is True
    assert portal_settings.env_list("SSA_TEST_LIST", []) == ["a.example", "b.example"]


def test_a_choice_outside_its_choices_fails_loudly_and_a_good_one_is_read(monkeypatch):
    monkeypatch.setenv("SSA_INVOICING_PARTY", "customer")
    with pytest.raises(ImproperlyConfigured, match="SSA_INVOICING_PARTY"):
        portal_settings.env_choice("SSA_INVOICING_PARTY", "distributor",
                                   ("distributor", "reseller"))
    monkeypatch.setenv("SSA_INVOICING_PARTY", "reseller")
    assert portal_settings.env_choice("SSA_INVOICING_PARTY", "distributor",
                                      ("distributor", "reseller")) == "reseller"


def test_a_required_variable_that_is_missing_fails_loudly(monkeypatch):
    monkeypatch.delenv("SSA_TEST_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured):
        portal_settings.env_str("SSA_TEST_REQUIRED")


def test_the_development_secret_key_is_generated_once_into_the_data_folder(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(portal_settings, "DATA_DIR", tmp_path / "var")
    first = portal_settings._dev_secret_key()
    second = portal_settings._dev_secret_key()
    key_file = tmp_path / "var" / "secret_key.txt"
    assert first == second
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_the_data_folder_is_ignored_by_git():
    assert "/var/" in (ROOT / ".gitignore").read_text().split()


def test_oslo_time_and_norwegian_first(settings):
    assert settings.TIME_ZONE == "Europe/Oslo"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "nb"
    assert [code for code, _ in settings.LANGUAGES] == ["nb", "en"]
