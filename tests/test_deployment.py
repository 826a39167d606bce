"""No Docker engine runs on these machines, so the compose file is checked by reading it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from ssa_portal import settings as portal_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgresql_15_redis_the_portal_a_task_worker_and_a_scheduler(compose):
    assert set(compose["services"]) == {"db", "redis", "portal", "worker", "scheduler"}
    assert "send_reminders" in " ".join(compose["services"]["scheduler"]["command"])
    assert "db_worker" in compose["services"]["worker"]["command"]
    assert compose["services"]["worker"]["image"] == compose["services"]["portal"]["image"]
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["portal"]["build"] == "."


def test_the_portal_waits_for_a_healthy_database_and_migrates_on_start(compose):
    portal = compose["services"]["portal"]
    assert portal["depends_on"]["db"]["condition"] == "service_healthy"
    assert "migrate --noinput" in portal["command"]
    assert "gunicorn -c python:ssa_portal.gunicorn ssa_portal.wsgi" in portal["command"]


def test_the_signing_certificate_is_recorded_on_start_after_migrating(compose):
    """docs/SECURITY.md#signing-keys-and-their-rotation: the configured key's certificate is
    recorded before the portal serves, in compose and in the image's own command."""
    for command in (compose["services"]["portal"]["command"],
                    (ROOT / "Dockerfile").read_text().split("CMD", 1)[1]):
        assert (command.index("migrate --noinput")
                < command.index("record_signing_certificate") < command.index("gunicorn"))


def test_every_service_has_a_health_check(compose):
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(compose["services"]["redis"]["healthcheck"]["test"])
    assert "/healthz/" in " ".join(compose["services"]["portal"]["healthcheck"]["test"])
    assert "db_worker" in " ".join(compose["services"]["worker"]["healthcheck"]["test"])
    assert "send_reminders" in " ".join(compose["services"]["scheduler"]["healthcheck"]["test"])


def test_compose_sends_e_mail_through_the_smtp_server_it_is_given(compose):
    environment = compose["services"]["portal"]["environment"]
    assert environment["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert environment["EMAIL_HOST"].startswith("${EMAIL_HOST:?")


def test_the_portal_and_the_worker_share_one_redis_cache(compose):
    portal, worker = compose["services"]["portal"], compose["services"]["worker"]
    assert portal["environment"]["CACHE_URL"] == worker["environment"]["CACHE_URL"] == (
        "redis://redis:6379/0")
    assert portal["depends_on"]["redis"]["condition"] == "service_healthy"
    assert portal_settings.caches_from_url(portal["environment"]["CACHE_URL"])["default"][
        "BACKEND"] == "django_redis.cache.RedisCache"


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


# --- production settings in the shipped deployment ---------------------------------------------

SETTINGS_PY = ROOT / "ssa_portal" / "settings.py"
# What an operator would fill in for compose's required variables (`${NAME:?…}`).
OPERATOR_VALUES = {
    "POSTGRES_PASSWORD": "pg-secret", "SECRET_KEY": "s" * 30 + "-operator-secret-0123456789abcd",
    "ALLOWED_HOSTS": "ssa.example.no", "SSA_PUBLIC_BASE_URL": "https://ssa.example.no",
    "SSA_DISTRIBUTOR_NAME": "Nordic Unified AS",
    "SSA_DISTRIBUTOR_ADDRESS": "Postboks 123 Sentrum, 0102 Oslo",
    "SSA_DISTRIBUTOR_ORG_NUMBER": "923609016", "SSA_DISTRIBUTOR_EMAIL": "ssa@example.no",
    "SSA_SIGNING_PASSPHRASE": "p12-secret", "SSA_SIGNING_P12_FILE": "/etc/ssa/signing.p12",
    "EMAIL_HOST": "smtp.example.no", "DEFAULT_FROM_EMAIL": "SSA <ssa@example.no>",
}
REQUIRED_FROM_THE_OPERATOR = ["SSA_PUBLIC_BASE_URL", "SSA_DISTRIBUTOR_NAME",
                              "SSA_DISTRIBUTOR_ADDRESS", "SSA_DISTRIBUTOR_ORG_NUMBER",
                              "SSA_DISTRIBUTOR_EMAIL", "SECRET_KEY", "ALLOWED_HOSTS"]


def interpolate(value: str) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`, as an operator runs it."""
    def one(match):
        name, default = match["name"], match["default"]
        if match["op"] == ":-" and name not in OPERATOR_VALUES:
            return default
        return OPERATOR_VALUES[name]

    return re.sub(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<default>[^}]*))?\}", one, str(value))


def run_check_deploy(environment: dict[str, str]):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("service", ["portal", "worker"])
def test_compose_runs_the_production_settings(compose, service):
    environment = compose["services"][service]["environment"]
    assert environment["SSA_ENV"] == "production"
    assert environment["DEBUG"] == "false"
    for name in REQUIRED_FROM_THE_OPERATOR:
        assert environment[name].startswith(f"${{{name}:?"), f"{name} has a default"


def test_the_production_settings_compose_uses_pass_check_deploy(compose):
    environment = {name: interpolate(value)
                   for name, value in compose["services"]["portal"]["environment"].items()}
    result = run_check_deploy(environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_make_check_deploy_passes_with_the_values_it_sets():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ncheck-deploy:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")
    environment = {name: value.strip('"') for name, value in
                   re.findall(r'\b([A-Z][A-Z0-9_]*)=("[^"]*"|[^\s$]+)', recipe)}
    assert {"SSA_ENV", "SSA_PUBLIC_BASE_URL", *REQUIRED_FROM_THE_OPERATOR} - {"SECRET_KEY"} <= set(
        environment)
    environment["SECRET_KEY"] = OPERATOR_VALUES["SECRET_KEY"]  # the recipe generates one
    result = run_check_deploy(environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_image_runs_the_production_settings_once_it_is_built():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    production = [n for n, line in enumerate(lines)
                  if line.startswith("ENV ") and "SSA_ENV=production" in line.split()]
    build_steps = [n for n, line in enumerate(lines) if "manage.py" in line
                   and not line.startswith("CMD")]
    assert production and build_steps and production[0] > max(build_steps), (
        "set after the build steps, which run without the production secrets")
    command = next(line for line in lines if line.startswith("CMD"))
    assert command.index("manage.py migrate") < command.index("gunicorn"), (
        "migrate runs the system checks before the server starts")


def test_the_compose_health_check_is_answered_under_the_production_settings(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["ssa.example.no"]
    response = client.get("/healthz/", HTTP_HOST="127.0.0.1:8000")  # what compose asks
    assert response.status_code == 200
    assert response.content == b"ok"
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="ssa.example.no").status_code == 301


def variables_settings_reads() -> set[str]:
    source = SETTINGS_PY.read_text()
    return set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]*)"', source)) | set(re.findall(
        r'os\.environ(?:\.get\(|\[)\s*"([A-Z][A-Z0-9_]*)"', source)) | set(re.findall(
            r'"([A-Z][A-Z0-9_]*)" in os\.environ', source))


def variables_the_readme_lists() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split(" | ")[0]))
    return names


def test_the_readme_lists_every_environment_variable_settings_reads_and_no_other():
    read = variables_settings_reads()
    assert len(read) > 30, "the patterns still find the variables"
    listed = variables_the_readme_lists()
    assert read - listed == set(), "read by settings.py, missing from the README's table"
    assert listed - read == set(), "in the README's table, never read by settings.py"
