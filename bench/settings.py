"""The portal's settings with the benchmark URLs (bench/urls.py) on top."""

from ssa_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
