"""通関士IDの追加: what the kind adds to the lifecycle.

At the approval each 通関士 gets a login under the company (利用者ID shown at once, login not yet usable); the
morning run of the 利用開始希望日 opens it and mails the 通関士 a link to set a first password (logins.py)."""

from django.db.models import Prefetch, Q

from naccs.accounts.models import User

from .. import kinds
from ..lifecycle import TransitionRefused
from ..models import Application, BrokerLine
from . import logins

# One 申込 adds at most this many 通関士 (a page of the 確認画面 stays readable).
MAX_BROKERS_PER_APPLICATION = 20
DUPLICATE_NUMBER = "この通関士登録番号の通関士は既にこの申込に追加されています。"
DUPLICATE_EMAIL = "このE-mailアドレスの通関士は既にこの申込に追加されています。"


class BrokerIdsKind(kinds.Kind):
    code = Application.Kind.BROKER_IDS
    title = "通関士ID追加申込"
    noun = "通関士IDの追加申込"
    steps = (kinds.Step("通関士入力", "通関士の入力", "applications:broker_ids_brokers"),)
    completed_label = "利用開始済"
    work_unit = ("通関士", "名")
    # The manual's texts for the decision and the question; the 利用者コード and 申込受付番号 are added to each.
    news = kinds.news_texts(
        noun,
        {
            kinds.APPROVED: f"{noun}の審査を終了しました。追加した利用者を確認してください。",
            kinds.INFO_REQUESTED: f"{noun}に確認事項があります。{kinds.ASKED_TO_AMEND}",
            kinds.COMPLETED: "追加した通関士の利用を開始しました。各通関士にパスワード設定の案内をお送りしました。",
        },
    )

    def start(self, application):
        """Nothing until a 通関士 is added: the 申込 row holds the 利用開始希望日."""

    def is_complete(self, application):
        return application.desired_date is not None and application.broker_lines.exists()

    def check_submittable(self, application):
        """No 通関士 known elsewhere (a login or another 申込 registered meanwhile), and enough free 識別番号 for them
        (taken for good, under the company's lock, at the approval)."""
        for line in application.broker_lines.order_by("pk"):
            if found := known_elsewhere(application, registration_number=line.registration_number, email=line.email):
                raise TransitionRefused(f"通関士{line.last_name} {line.first_name}：{found[1]}")
        count = application.broker_lines.count()
        if count > logins.free_id_count(application.company):
            raise TransitionRefused(logins.no_free_ids_refusal(application.company, count))

    def approved(self, application, *, actor):
        logins.create_logins(application, actor=actor)

    carried_out_rows = (BrokerLine, "activated_at")

    def carry_out(self, application_id, *, actor=None, progress=None):
        pending = BrokerLine.objects.filter(application_id=application_id, activated_at__isnull=True).order_by("pk")
        for line_id in list(pending.values_list("pk", flat=True)):
            logins.activate(line_id, actor=actor)
            if progress:
                progress(1)

    def with_details(self, applications):
        return applications.prefetch_related(self.lines_prefetch())

    def section_context(self, application):
        return {"brokers": application.broker_lines.all()}

    def summary(self, application):
        return "、".join(f"{line.last_name} {line.first_name}" for line in application.broker_lines.all())

    def list_prefetch(self):
        return [Prefetch("broker_lines", queryset=BrokerLine.objects.order_by("pk"))]

    def mail_context(self, application):
        return {"brokers": list(application.broker_lines.select_related("user").order_by("pk"))}

    @staticmethod
    def lines_prefetch():
        return Prefetch("broker_lines", queryset=BrokerLine.objects.select_related("office", "user").order_by("pk"))


def duplicate_broker(application, *, registration_number: str | None, email: str | None) -> tuple[str, str] | None:
    """The home of the rule "one person, one 利用者ID": the field and the refusal when this 通関士 is already in the
    申込 (the same 通関士登録番号 or E-mail), or known_elsewhere; None when they may be added. A value not known yet
    (None: refused for another reason) is not compared."""
    lines = application.broker_lines
    if registration_number and lines.filter(registration_number=registration_number).exists():
        return "registration_number", DUPLICATE_NUMBER
    if email and lines.filter(email__iexact=email).exists():
        return "email", DUPLICATE_EMAIL
    return known_elsewhere(application, registration_number=registration_number, email=email)


def known_elsewhere(application, *, registration_number: str | None, email: str | None) -> tuple[str, str] | None:
    """A login of the company has this E-mail or 通関士登録番号, or another undecided 申込 of the company adds them
    (an approved one has made its logins already): one person would get two 利用者ID and two password mails."""
    by_email = Q(email__iexact=email) if email else Q(pk__in=[])
    by_number = Q(registration_number=registration_number) if registration_number else Q(pk__in=[])
    login_by_number = (
        Q(is_customs_broker=True, broker_registration_number=registration_number)
        if registration_number
        else Q(pk__in=[])
    )
    company = application.company
    if user := User.objects.filter(by_email | login_by_number, company=company).order_by("username").first():
        field = "email" if email and user.email.lower() == email.lower() else "registration_number"
        what = "E-mailアドレス" if field == "email" else "通関士登録番号"
        return field, f"この{what}の方は利用者ID {user.username} で既に登録されています。"
    pending = (
        BrokerLine.objects.filter(
            by_email | by_number, application__company=company, application__status__in=Application.UNDECIDED_STATUSES
        )
        .exclude(application=application)
        .select_related("application")
        .first()
    )
    if pending:
        field = "registration_number" if pending.registration_number == registration_number else "email"
        number = pending.application.receipt_number
        return field, f"この通関士は申込受付番号 {number} の申込で追加を申し込んでいます。"
    return None


def add_broker(application, data: dict) -> None:
    """Save one more 通関士 into a locked draft (checked again under its lock: another tab may have added them)."""
    if found := duplicate_broker(application, registration_number=data["registration_number"], email=data["email"]):
        raise TransitionRefused(found[1])
    if application.broker_lines.count() >= MAX_BROKERS_PER_APPLICATION:
        raise TransitionRefused(f"1つの申込で追加できる通関士は{MAX_BROKERS_PER_APPLICATION}名までです。")
    fields = {name: data[name] for name in ("last_name", "first_name", "last_name_kana", "first_name_kana")}
    BrokerLine.objects.create(
        application=application,
        registration_number=data["registration_number"],
        office=data["office"],
        email=data["email"],
        **fields,
    )


def remove_broker(application, line_id) -> None:
    application.broker_lines.filter(pk=line_id).delete()
