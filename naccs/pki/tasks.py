"""Background jobs of the CA (django-tasks; enqueued by the center's scheduler every minute)."""

from django.db.models import Max
from django_tasks import task

from . import ca, high_water, ocsp, revocation
from .models import PreparedOCSPResponse


@task()
def refresh_revocation_data_task() -> dict:
    """Keep what /pki/ocsp and /pki/crl serve ready: the delegated OCSP responder certificate (renewed before it
    expires), the pre-produced OCSP responses that are missing or due, and a CRL that lists every revocation (so a
    revocation is published within a minute even if nobody fetches; the revocation responder never signs one).
    The newest answer stored (here or by a responder meanwhile) is remembered in CA_DIR (high_water, for restores)."""
    if not ca.exists():
        return {"skipped": "no CA"}
    signed = ocsp.refresh_prepared()
    newest = PreparedOCSPResponse.objects.aggregate(at=Max("this_update"))["at"]
    if newest is not None:
        high_water.record_answers(newest)
    return {"ocsp_signed": signed, "crl_number": revocation.current_crl().number}
