"""The staged rollover of the CA (issue 25 #1, docs/ca-rollover.md): the one place where a generation changes
state, each change audited, all generations' rows locked in one order so that two operators never interleave.

    prepare  → a new key and self-signed certificate ("… G<N>"), and the RFC 7030 rollover certificates with the
               issuing generation; nobody trusts it yet.
    publish  → /pki/ca.pem and EST /cacerts hand it out, so terminals learn it before it issues anything.
    switch   → it issues every new certificate (and renewals of the old generation's); the old one is superseded:
               still trusted by nginx and EST, still publishing its CRL and OCSP answers.
    retire   → refused while it has valid (unexpired, unrevoked) certificates, unless forced (a compromise), which
               revokes them (cACompromise) with notice. Its revocation data stays published.
"""

import re

from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone

from naccs.accounts.selectors import contact_addresses
from naccs.audit.services import record
from naccs.mailer.services import queue_mail
from naccs.portal.models import NewsItem
from naccs.portal.services import post_news
from naccs.terminals.models import Certificate
from naccs.terminals.notices import notice_recipients

from . import ca, rollover
from .generations import TRUSTED, certificate_of, register_first, valid_certificates
from .models import CAGeneration
from .revocation import revoke_certificate

State = CAGeneration.State
SUFFIX = re.compile(r" G\d+$")


class GenerationRefused(Exception):
    """A change of state that the rules refuse (the message is for the operator, in Japanese)."""


def locked(number: int) -> CAGeneration:
    """The generation's row locked, all rows locked first in one order (two operators never interleave)."""
    rows = {row.number: row for row in CAGeneration.objects.select_for_update().order_by("number")}
    if number not in rows:
        raise GenerationRefused(f"第{number}世代の認証局はありません。")
    return rows[number]


def change(generation: CAGeneration, to: str, *, actor=None, **details) -> None:
    before = generation.state
    stamp = {State.PUBLISHED: "published_at", State.ISSUING: "issuing_at", State.SUPERSEDED: "superseded_at",
             State.RETIRED: "retired_at"}[to]  # fmt: skip
    generation.state = to
    setattr(generation, stamp, timezone.now())
    generation.save(update_fields=["state", stamp])
    record(action=f"ca.generation.{to}", actor=actor, obj=generation, before={"state": before},
           after={"state": to}, generation=generation.number, **details)  # fmt: skip


@transaction.atomic
def prepare(*, key_type: str, common_name: str | None = None, actor=None) -> CAGeneration:
    """A new generation's key and certificate, named "<name> G<N>", with its rollover certificates."""
    register_first()
    rows = list(CAGeneration.objects.select_for_update().order_by("number"))
    if not rows:
        raise GenerationRefused("認証局がありません。ca_create で作成してください。")
    pending = [row for row in rows if row.state in (State.PREPARED, State.PUBLISHED)]
    if pending:
        first = pending[0]
        raise GenerationRefused(f"第{first.number}世代が{first.get_state_display()}です。先に切り替えてください。")
    current = next(row for row in rows if row.state == State.ISSUING)
    number = rows[-1].number + 1
    base = SUFFIX.sub(
        "", common_name or certificate_of(current).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    )
    authority = ca.create(key_type=key_type, common_name=f"{base} G{number}", folder=ca.generation_folder_name(number))
    new_with_old, old_with_new = rollover.pair(ca.authority_of(current), authority)
    generation = CAGeneration.objects.create(
        number=number, subject=authority.certificate.subject.rfc4514_string(),
        certificate_pem=rollover.pem(authority.certificate), new_with_old_pem=rollover.pem(new_with_old),
        old_with_new_pem=rollover.pem(old_with_new), folder=ca.generation_folder_name(number), state=State.PREPARED,
        prepared_at=timezone.now(),
    )  # fmt: skip
    record(action="ca.generation.prepared", actor=actor, obj=generation, after={"state": State.PREPARED},
           generation=number, serial=f"{authority.certificate.serial_number:x}")  # fmt: skip
    return generation


@transaction.atomic
def publish(number: int, *, actor=None) -> CAGeneration:
    generation = locked(number)
    if generation.state != State.PREPARED:
        raise GenerationRefused(f"第{number}世代は{generation.get_state_display()}です（公開できるのは準備済みの世代）")
    change(generation, State.PUBLISHED, actor=actor)
    return generation


@transaction.atomic
def switch(number: int, *, actor=None) -> CAGeneration:
    """The published generation issues from now on; the issuing one is superseded, and CA_DIR's pointer
    (ca.set_issuing) names the new one for every host. Switching to the issuing generation writes the pointer again."""
    generation = locked(number)
    if generation.state not in (State.PUBLISHED, State.ISSUING):
        state = generation.get_state_display()
        raise GenerationRefused(f"第{number}世代は{state}です（切り替えられるのは公開済みの世代）。")
    if generation.state == State.PUBLISHED:
        change(CAGeneration.objects.get(state=State.ISSUING), State.SUPERSEDED, actor=actor, by=number)
        change(generation, State.ISSUING, actor=actor, serial=f"{certificate_of(generation).serial_number:x}")
    # Last, when only the commit is left: a commit that fails after it leaves the pointer ahead of the database,
    # which the start check reports (naccs.pki.generation) and running the same switch again repairs.
    ca.set_issuing(generation.folder)
    write_trusted()
    return generation


def write_trusted() -> None:
    """CA_DIR's list of the generations nginx trusts (ca.set_trusted), from the rows as this transaction left them."""
    rows = CAGeneration.objects.filter(state__in=TRUSTED).order_by("number")
    ca.set_trusted([row.folder for row in rows])


@transaction.atomic
def retire(number: int, *, force: bool = False, actor=None) -> tuple[CAGeneration, int]:
    """Retire a generation that no longer issues; returns it and how many certificates were revoked (forced)."""
    generation = locked(number)
    if generation.state in (State.ISSUING, State.RETIRED):
        state = generation.get_state_display()
        raise GenerationRefused(f"第{number}世代は{state}です（発行中の世代は先に切り替えてください）。")
    valid = list(valid_certificates(generation).select_related("terminal__company"))
    if valid and not force:
        raise GenerationRefused(
            f"第{number}世代には有効な証明書が{len(valid)}枚あります。期限切れか更新を待つか、"
            "危殆化の場合は --force で失効させてください。"
        )
    for certificate in valid:
        revoke_certificate(certificate=certificate, reason=Certificate.RevocationReason.CA_COMPROMISE, actor=actor)
    announce_compromise(generation, valid)
    change(generation, State.RETIRED, actor=actor, revoked=len(valid), forced=force)
    write_trusted()
    return generation, len(valid)


def announce_compromise(generation: CAGeneration, revoked: list[Certificate]) -> None:
    """Each company whose certificates a forced retirement revoked is told: a 新着情報 item and a mail."""
    by_company = {}
    for certificate in revoked:
        by_company.setdefault(certificate.terminal.company, []).append(certificate.terminal.name)
    for company, names in by_company.items():
        post_news(
            company=company,
            category=NewsItem.Category.CERTIFICATE,
            text=f"認証局（第{generation.number}世代）の停止により、論理端末{'、'.join(sorted(names))}の"
            "デジタル証明書を失効しました。再発行の申込を行ってください。",
        )
        for address in notice_recipients(company, contact_addresses(company)):
            context = {"company": company, "generation": generation, "terminal_names": sorted(names)}
            queue_mail(to=address, template="ca_generation_compromised", context=context, company=company)
