"""The project's own start-up (ProjectConfig), and the third-party apps under the names center staff read in the back
office (Django's way: an AppConfig subclass listed in INSTALLED_APPS); their models' names are translated in
locale/ja/."""

import os

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.conf import settings
from django_tasks_db.apps import TasksAppConfig


class ProjectConfig(AppConfig):
    """What every process of the portal does at start (django.setup), before any app writes a file."""

    name = "naccs"
    verbose_name = "NACCSサポートシステム"

    def ready(self):
        # Files this process makes are its own (0600, directories 0700), whatever the shell's umask: var/ holds the
        # SQLite database, mail and the CA.
        os.umask(0o077)
        settings.VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.VAR_DIR.chmod(0o700)


class LoginLockoutConfig(AxesAppConfig):
    verbose_name = "ログインのロック（django-axes）"


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = "バックグラウンド処理"
