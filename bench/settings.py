"""Settings for the page benchmark: production settings plus its two floors (bench/urls.py)."""

from naccs.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
