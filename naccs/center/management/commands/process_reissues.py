from datetime import date

from django.core.management.base import BaseCommand, CommandError

from naccs.applications.models import ReissueApplicationTerminal
from naccs.center.services import due_applications, process_reissues


class Command(BaseCommand):
    help = "Run the morning reissue run for one day by hand (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError("--date は YYYY-MM-DD の形式で指定してください。") from error
        total = ReissueApplicationTerminal.objects.filter(application__in=due_applications(day)).count()
        done = 0

        def progress(step: int) -> None:
            nonlocal done
            done += step
            if done == total or done % 50 == 0:
                width = 30
                filled = width * done // max(total, 1)
                self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} 端末", ending="")
                self.stderr.flush()

        report = process_reissues(day=day, progress=progress)
        if total:
            self.stderr.write("")
        self.stdout.write(
            f"{day}: 申込 {report.applications} 件, 端末 {report.lines_processed} 台処理, "
            f"再発行済 {report.completed} 件, 失敗 {len(report.failed)} 件"
        )
