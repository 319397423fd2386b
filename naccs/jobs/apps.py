from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The record and lease of each scheduled job, below every app that runs long tasks (the morning run, the
    monthly close, the reminders), so that each can hold a lease."""

    name = "naccs.jobs"
    verbose_name = "定期ジョブ"
