import getpass
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from naccs.applications.models import ReissueLine
from naccs.audit.services import record
from naccs.center.morning_run import MORNING_RUN, due_applications, process_day
from naccs.jobs.leases import Lease
from naccs.lib.business_days import today, why_closed

EARLY_RUN = "morning_run.run_before_its_day"  # the audit event of --before-the-day


class Command(BaseCommand):
    help = "Run the morning run for one day by hand (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--before-the-day",
            action="store_true",
            help="run a day that has not come yet (its 申込 take effect and are announced today); audited",
        )

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError("--date は YYYY-MM-DD の形式で指定してください。") from error
        if day > today():
            # Carrying out a 希望日 early changes 認証コード and sends the completion notices before the day the
            # company asked for: only on purpose, and on the record.
            if not options["before_the_day"]:
                raise CommandError(
                    f"{day} はまだ来ていません（本日は{today()}）。希望日より前に処理すると、認証コードの変更や"
                    "完了のお知らせが希望日より前に行われます。どうしても実行する場合は --before-the-day を"
                    "指定してください（監査ログに記録されます）。"
                )
            record(
                action=EARLY_RUN, actor_label=f"{getpass.getuser()} (process_reissues)", day=day.isoformat(),
                today=today().isoformat(),
            )  # fmt: skip
        if closed := why_closed(day):
            self.stderr.write(
                f"{day} はセンターの営業日ではありません（{closed}）。毎朝の処理は営業日にのみ自動で行われます。"
                "この日の希望日までの承認済みの申込を処理します。"
            )
        terminals = ReissueLine.objects.filter(application__in=due_applications(day), processed_at__isnull=True)
        total = terminals.count()
        done = 0

        def progress(step: int) -> None:
            nonlocal done
            done += step
            if done == total or done % 50 == 0:
                width = 30
                filled = min(width, width * done // max(total, 1))
                self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
                self.stderr.flush()

        # The day's lease, if the scheduler enqueued a run for it: a run that died (or was given up) ends as finished.
        with Lease(MORNING_RUN, day) as lease:
            report = process_day(day=day, progress=progress, alive=lease.renew)
        if done:
            self.stderr.write("")
        carried_out = report.units_text()
        self.stdout.write(
            f"{day}: 申込 {report.applications} 件, {carried_out + ', ' if carried_out else ''}"
            f"完了 {report.completed} 件, 失敗 {len(report.failed)} 件"
        )
