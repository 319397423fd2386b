"""What the scheduler keeps so that each periodic job is enqueued once, and a long one is resumed if its worker dies."""

from django.db import models


class ScheduledJob(models.Model):
    """One enqueued run of a periodic job (the scheduler's idempotency key: job name + day), and, for a long task, its
    lease: a running task renews `heartbeat_at`; one silent while unfinished is taken as dead and enqueued again
    (jobs.leases). Moved here from center (migration center 0006) so that billing can hold a lease too."""

    name = models.CharField("ジョブ", max_length=64)
    run_date = models.DateField("実行日")
    enqueued_at = models.DateTimeField("登録日時", auto_now_add=True)
    task_result_id = models.CharField("タスクID", max_length=64, blank=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最終応答日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    resumed = models.PositiveIntegerField("自動再開の回数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "定期ジョブ"
        constraints = [models.UniqueConstraint(fields=["name", "run_date"], name="unique_job_per_day")]

    def __str__(self) -> str:
        return f"{self.run_date} {self.name}"
