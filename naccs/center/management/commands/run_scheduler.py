import time

from django.core.management.base import BaseCommand

from naccs.center.scheduler import tick


class Command(BaseCommand):
    help = "Enqueue due periodic jobs once a minute (morning run, expiry reminders, mail retry)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args, interval, once, **options):
        while True:
            try:
                names = tick()
                if names and options["verbosity"] > 1:
                    self.stdout.write(", ".join(names))
            except Exception as error:  # a database blip must not stop the scheduler
                self.stderr.write(f"scheduler tick failed: {error}")
            if once:
                return
            time.sleep(interval)
