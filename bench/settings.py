"""Settings for the page benchmark: production settings plus one bare view to compare against."""

from naccs.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
