"""The third-party apps under the names center staff read in the back office (Django's way: an AppConfig subclass
listed in INSTALLED_APPS); their models' names are translated in locale/ja/."""

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class LoginLockoutConfig(AxesAppConfig):
    verbose_name = "ログインのロック（django-axes）"


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = "バックグラウンド処理"
