from django.core.management.base import BaseCommand

from naccs.mailer.delivery import deliver_due


class Command(BaseCommand):
    help = "Send every queued mail that is due (mail kept back while the mail server was down)."

    def handle(self, *args, **options):
        self.stdout.write(f"{deliver_due()} 件のメールを送信しました。")
