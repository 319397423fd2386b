from datetime import date

from django.core.management.base import BaseCommand, CommandError

from naccs.applications.models import ReissueLine
from naccs.center.leases import Lease
from naccs.center.morning_run import MORNING_RUN, due_applications, process_day
from naccs.lib.business_days import why_closed


class Command(BaseCommand):
    help = "Run the morning run for one day by hand (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError("--date は YYYY-MM-DD の形式で指定してください。") from error
        if closed := why_closed(day):
            self.stderr.write(
                f"{day} はセンターの営業日ではありません（{closed}）。毎朝の処理は営業日にのみ自動で行われます。"
                "この日の希望日までの承認済みの申込を処理します。"
            )
        total = ReissueLine.objects.filter(application__in=due_applications(day), processed_at__isnull=True).count()
        done = 0

        def progress(step: int) -> None:
            nonlocal done
            done += step
            if done == total or done % 50 == 0:
                width = 30
                filled = width * done // max(total, 1)
                self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} 端末", ending="")
                self.stderr.flush()

        # The day's lease, if the scheduler enqueued a run for it: a run that died (or was given up) ends as finished.
        with Lease(MORNING_RUN, day) as lease:
            report = process_day(day=day, progress=progress, alive=lease.renew)
        if done:
            self.stderr.write("")
        self.stdout.write(
            f"{day}: 申込 {report.applications} 件, 端末 {done} 台処理, "
            f"完了 {report.completed} 件, 失敗 {len(report.failed)} 件"
        )
