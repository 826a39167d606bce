"""The shared cache (ssa_portal/settings.py, docs/SECURITY.md#the-shared-cache): rate limits and
cached figures live where every process sees them — Redis when CACHE_URL names it, the database
cache otherwise — never in one process's memory."""

import socket
import uuid

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from ssa_portal import settings as portal_settings

PER_PROCESS = ("django.core.cache.backends.locmem.LocMemCache",
               "django.core.cache.backends.dummy.DummyCache")


def test_the_cache_the_portal_runs_with_is_never_one_processs_memory(settings):
    assert settings.CACHES["default"]["BACKEND"] not in PER_PROCESS


def test_without_cache_url_the_cache_is_the_database_cache_every_process_shares():
    default = portal_settings.caches_from_url("")["default"]
    assert default["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert default["LOCATION"] == "ssa_cache"


@pytest.mark.parametrize("url", ["redis://redis:6379/0", "rediss://cache.example.no:6380/1",
                                 "unix:///run/redis.sock?db=0"])
def test_a_redis_cache_url_selects_django_redis(url):
    default = portal_settings.caches_from_url(url)["default"]
    assert default["BACKEND"] == "django_redis.cache.RedisCache"
    assert default["LOCATION"] == url


@pytest.mark.parametrize("url", ["locmem://", "memcached://127.0.0.1:11211", "redis",
                                 "dummy://"])
def test_any_other_cache_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        portal_settings.caches_from_url(url)


def test_migrate_makes_the_database_caches_table(db):
    from django.core.management.sql import emit_post_migrate_signal

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE ssa_cache")
    assert "ssa_cache" not in connection.introspection.table_names()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert "ssa_cache" in connection.introspection.table_names()


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_a_limit_is_counted_in_the_server_every_worker_asks(settings):
    """The real Redis, under this test's own key prefix (removed afterwards)."""
    import redis

    from common.ratelimit import RateLimit

    url = "redis://127.0.0.1:6379/0"
    prefix = f"ssa-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**portal_settings.caches_from_url(url)["default"],
                                   "KEY_PREFIX": prefix}}
    server = redis.Redis.from_url(url)
    limit = RateLimit("test-redis", limit=2, window=600)
    # Another worker: a cache client of its own, with its own connection.
    other = caches.create_connection("default")
    try:
        assert [limit.hit("203.0.113.5"), limit.hit("203.0.113.5")] == [True, True]
        (key,) = server.keys(f"{prefix}:*")
        assert int(server.get(key)) == 2 and 0 < server.ttl(key) <= 600
        assert other.incr(key.decode().split(":", 2)[2]) == 3, "the other worker sees two"
        assert limit.hit("203.0.113.5") is False
    finally:
        for key in server.keys(f"{prefix}:*"):
            server.delete(key)
    assert not server.keys(f"{prefix}:*")


def test_a_cache_outage_after_an_inventory_write_never_turns_it_into_an_error(
        monkeypatch, installation_a, django_capture_on_commit_callbacks, caplog):
    from django.core.cache import cache

    from customers import services
    from customers.models import Installation

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(cache, "incr", unreachable)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.installation_update(installation=installation_a, name="Filial")
    assert callbacks, "the write moves the installations' version on"
    assert Installation.objects.get(pk=installation_a.pk).name == "Filial"
    assert "cache unreachable" in caplog.text
