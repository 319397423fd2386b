from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from naccs.pki import ca, generation_steps, generations

from ._describe import describe


class Command(BaseCommand):
    help = (
        "CA generations, one step of the rollover at a time (docs/ca-rollover.md): list; prepare (a new key and "
        'certificate "… G<N>"); publish N (served in /pki/ca.pem and EST /cacerts); switch N (N issues from now '
        "on, the old generation stays trusted); retire N [--force] (refused while N has valid certificates; "
        "--force revokes them: a compromise)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "prepare", "publish", "switch", "retire"])
        parser.add_argument("number", nargs="?", type=int, help="the generation (publish, switch, retire)")
        parser.add_argument("--key-type", choices=["ec", "rsa"], default=settings.CA_KEY_TYPE)
        parser.add_argument("--common-name", help='prepare: the name without " G<N>" (default: the current one\'s)')
        parser.add_argument("--force", action="store_true", help="retire: revoke its valid certificates (compromise)")

    def handle(self, *args, action, number, key_type, common_name, force, **options):
        if not ca.exists():
            raise CommandError("認証局がありません。ca_create で作成してください。")
        if action not in ("list", "prepare") and number is None:
            raise CommandError(f"{action}: 世代の番号を指定してください（例: ca_generation {action} 2）。")
        try:
            self.run(action, number, key_type=key_type, common_name=common_name, force=force)
        except generation_steps.GenerationRefused as refusal:
            raise CommandError(str(refusal)) from refusal

    def run(self, action, number, *, key_type, common_name, force):
        if action == "list":
            counts = {generation.number: count for generation, count in generations.terminals_per_generation()}
            for generation in generations.all_generations():
                self.stdout.write(
                    f"G{generation.number}  {generation.get_state_display():<6}  {generation.subject}  "
                    f"端末 {counts.get(generation.number, 0)}"
                )
        elif action == "prepare":
            generation = generation_steps.prepare(key_type=key_type, common_name=common_name)
            self.stdout.write(self.style.SUCCESS(f"第{generation.number}世代の認証局を準備しました。"))
            self.stdout.write(describe(ca.authority_of(generation), ca.ca_dir() / generation.folder))
        elif action == "publish":
            generation_steps.publish(number)
            self.stdout.write(self.style.SUCCESS(f"第{number}世代の認証局を公開しました（/pki/ca.pem, /cacerts）。"))
        elif action == "switch":
            generation_steps.switch(number)
            self.stdout.write(self.style.SUCCESS(f"第{number}世代の認証局で発行を開始しました。"))
            self.stdout.write("nginx の client-ca.pem を更新するため scripts/serve-tls を再起動してください。")
        else:
            generation, revoked = generation_steps.retire(number, force=force)
            message = f"第{number}世代の認証局を廃止しました"
            self.stdout.write(self.style.SUCCESS(message + (f"（証明書{revoked}枚を失効）。" if revoked else "。")))
            if generation.retired_at and revoked:
                self.stdout.write(f"  失効日時 {timezone.localtime(generation.retired_at):%Y/%m/%d %H:%M} (JST)")
