"""The logins of added 通関士: their 利用者ID, made at the approval, and the link that lets them set a first password.

利用者ID = the company's 利用者コード + a free 3-digit 識別番号. The company's row is the lock under which the free
numbers are read and taken, so that two approvals for one company at the same moment never take the same number.

The first password is never mailed or shown: the 通関士 gets a single-use link (Django's password-reset token:
it is made from the password, so it is spent once a password is set, and a new link spends the old one) valid for
SET_PASSWORD_LINK_HOURS (settings.PASSWORD_RESET_TIMEOUT)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from naccs.accounts.models import Company, User
from naccs.audit.services import record
from naccs.mailer.services import queue_mail

from ..lifecycle import TransitionRefused
from ..models import Application, BrokerLine

ID_NUMBER_DIGITS = 3  # 識別番号
ID_NUMBERS = range(1, 10**ID_NUMBER_DIGITS)  # 001 … 999


def taken_id_numbers(company) -> set[int]:
    """The 識別番号 the company's users already have (a 利用者ID of another shape takes none)."""
    names = User.objects.filter(username__startswith=company.code).values_list("username", flat=True)
    suffixes = (name[len(company.code) :] for name in names)
    return {int(suffix) for suffix in suffixes if len(suffix) == ID_NUMBER_DIGITS and suffix.isdigit()}


def free_id_count(company) -> int:
    return len(ID_NUMBERS) - len(taken_id_numbers(company) & set(ID_NUMBERS))


def no_free_ids_refusal(company, wanted: int) -> str:
    return (
        f"利用者ID（利用者コード＋識別番号3桁）の空きが足りません（追加{wanted}名、空き{free_id_count(company)}件）。"
        "ヘルプデスクにお問い合わせください。"
    )


def allocate_user_ids(company, count: int) -> list[str]:
    """`count` free 利用者ID of the company, lowest first; call inside the transaction that creates the users."""
    Company.objects.select_for_update().only("pk").get(pk=company.pk)
    taken = taken_id_numbers(company)
    free = [number for number in ID_NUMBERS if number not in taken][:count]
    if len(free) < count:
        raise TransitionRefused(no_free_ids_refusal(company, count))
    return [f"{company.code}{number:0{ID_NUMBER_DIGITS}d}" for number in free]


def create_logins(application: Application, *, actor=None) -> None:
    """At the approval: a login per 通関士, inactive until the morning run of the 利用開始希望日 (activate)."""
    lines = list(application.broker_lines.filter(user__isnull=True).order_by("pk"))
    for line, username in zip(lines, allocate_user_ids(application.company, len(lines)), strict=True):
        user = User(
            username=username,
            company=application.company,
            office_id=line.office_id,
            last_name=line.last_name,
            first_name=line.first_name,
            last_name_kana=line.last_name_kana,
            first_name_kana=line.first_name_kana,
            email=line.email,
            is_customs_broker=True,
            broker_registration_number=line.registration_number,
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        line.user = user
        line.save(update_fields=["user"])
        record(
            action="broker_ids.user_created",
            actor=actor,
            company=application.company,
            obj=user,
            after={"username": username, "is_active": False},
            application=application.receipt_number,
        )


def activate(line_id: int, *, actor=None) -> bool:
    """The morning run of the 利用開始希望日: the login may be used and its 通関士 gets the set-password link.
    False when already done (a second run of the same day)."""
    with transaction.atomic():
        line = (
            BrokerLine.objects.select_for_update(of=("self",))
            .select_related("application__company", "user")
            .get(pk=line_id)
        )
        if line.activated_at is not None or line.application.status != Application.Status.APPROVED:
            return False
        user = line.user
        user.is_active = True
        user.save(update_fields=["is_active"])
        send_set_password_link(user, actor=actor)
        line.activated_at = timezone.now()
        line.save(update_fields=["activated_at"])
    return True


def needs_password(user) -> bool:
    """A 通関士 whose login is in use and who has not set a password yet: the link may be sent again."""
    return user.is_customs_broker and user.is_active and not user.has_usable_password()


def set_password_url(user) -> str:
    """The link to set a first password. The token goes after "#", which no request carries: it never reaches an
    access log (naccs.accounts.views.SetPasswordStartView)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}{reverse('accounts:set_password_start')}#{uid}/{token}"


@transaction.atomic
def send_set_password_link(user, *, actor=None) -> bool:
    """Mail the 通関士 a new set-password link; any earlier link stops working. False once a password is set."""
    locked = User.objects.select_for_update(of=("self",)).select_related("company", "office").get(pk=user.pk)
    if not needs_password(locked):
        return False
    locked.set_unusable_password()  # a new token basis: the link sent before is spent
    locked.save(update_fields=["password"])
    queue_mail(
        to=locked.email,
        template="broker_ids/set_password",
        context={"user": locked, "url": set_password_url(locked), "hours": settings.SET_PASSWORD_LINK_HOURS},
        company=locked.company,
    )
    record(action="broker_ids.set_password_link_sent", actor=actor, company=locked.company, obj=locked)
    return True
