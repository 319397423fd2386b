"""CA generations (issue 25 #1, docs/ca-rollover.md): which ones exist, which are trusted, published, issuing, and
where each publishes. Their changes of state (prepare → publish → switch → retire) are in
naccs.pki.generation_steps.

Deployments made before generations have one CA and no row: it is registered as generation 1 the first time it is
asked for (`register_first`), without any command.
"""

from cryptography import x509
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import ca, rollover
from .models import CAGeneration

State = CAGeneration.State
TRUSTED = (State.ISSUING, State.SUPERSEDED)  # nginx and EST accept their certificates
FOR_CLIENTS = (State.PUBLISHED, State.ISSUING, State.SUPERSEDED)  # /pki/ca.pem and /cacerts hand them out


def register_first() -> None:
    """The CA made before generations, as generation 1 (issuing), once; nothing when there is no CA yet."""
    if CAGeneration.objects.exists() or not ca.exists():
        return
    certificate = x509.load_pem_x509_certificate((ca.issuing_dir() / ca.CERT_FILE).read_bytes())
    since = certificate.not_valid_before_utc
    try:
        with transaction.atomic():
            CAGeneration.objects.create(
                number=1, subject=certificate.subject.rfc4514_string(), certificate_pem=rollover.pem(certificate),
                folder="", state=State.ISSUING, prepared_at=since, published_at=since, issuing_at=since,
            )  # fmt: skip
    except IntegrityError:
        pass  # registered meanwhile by another process


def all_generations() -> list[CAGeneration]:
    """Every generation, in one query once generation 1 is registered (the dashboard reads it on every view)."""
    generations = list(CAGeneration.objects.all())
    if generations:
        return generations
    register_first()
    return list(CAGeneration.objects.all())


def issuing() -> CAGeneration:
    register_first()
    return CAGeneration.objects.get(state=State.ISSUING)


def numbered(number: int) -> CAGeneration | None:
    register_first()
    return CAGeneration.objects.filter(number=number).first()


def trusted() -> list[CAGeneration]:
    """The generations whose terminal certificates nginx (client-ca.pem) and EST accept."""
    return [generation for generation in all_generations() if generation.state in TRUSTED]


def for_clients() -> list[CAGeneration]:
    return [generation for generation in all_generations() if generation.state in FOR_CLIENTS]


def publishing_revocations() -> list[CAGeneration]:
    """The generations that publish a CRL and OCSP answers: every one that may have issued a certificate."""
    return [generation for generation in all_generations() if generation.state != State.PREPARED]


def number_of(certificate: x509.Certificate) -> int:
    """The generation of one of our CA certificates (by its name: each generation has its own)."""
    register_first()
    found = CAGeneration.objects.filter(subject=certificate.subject.rfc4514_string()).values_list("number", flat=True)
    return found.first() or 1


def crl_path(number: int) -> str:
    """Where generation `number` publishes its CRL: /pki/crl for generation 1, as its certificates already name."""
    return "/pki/crl" if number == 1 else f"/pki/crl/g{number}"


def ca_path(number: int) -> str:
    """Its certificate (AIA caIssuers): /pki/ca for generation 1 (the issuing one's, as before generations)."""
    return "/pki/ca" if number == 1 else f"/pki/ca/g{number}"


def certificate_of(generation: CAGeneration) -> x509.Certificate:
    return x509.load_pem_x509_certificate(generation.certificate_pem.encode())


def valid_certificates(generation: CAGeneration, now=None):
    """Its certificates still in use: unexpired and unrevoked (the retire guard)."""
    now = now or timezone.now()
    issued = Certificate.objects.filter(ca_generation=generation.number).exclude(pem="")
    return issued.filter(not_after__gt=now, revoked_at__isnull=True)


def terminals_per_generation(now=None) -> list[tuple[CAGeneration, int]]:
    """How many terminals hold a valid certificate of each generation, for every generation that has some or is
    trusted (the center's dashboard, `ca_generation list`): one grouped query."""
    now = now or timezone.now()
    valid = Certificate.objects.filter(not_after__gt=now, revoked_at__isnull=True).exclude(pem="")
    counts = dict(valid.values_list("ca_generation").annotate(terminals=Count("terminal", distinct=True)).order_by())
    return [
        (generation, counts.get(generation.number, 0))
        for generation in all_generations()
        if generation.number in counts or generation.state in TRUSTED
    ]
