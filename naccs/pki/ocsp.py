"""An OCSP responder (RFC 6960) for the certificates of our CA generations: good, revoked or unknown, for every
CertID asked.

The jobs are in their own modules: reading requests (`ocsp_request`), signing answers with the delegated responder
of a generation (`ocsp_signing`, `ocsp_signer`; RFC 6960 §4.2.2.2, never a CA key), and the pre-produced answers
stored for every host (`ocsp_prepared`). Here: which answer a request gets. The responder of the generation the
first CertID names signs it; a CertID answers good or revoked only when it names the generation that issued that
serial, and unknown otherwise (another issuer's hashes, a serial of another generation, one we never issued).
Anything that is not a well-formed request gets an OCSP error response, never an HTML page.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from naccs.terminals.models import Certificate

from . import ocsp_signer
from .ocsp_prepared import PREPARED_HASHES, prepared_answer
from .ocsp_request import INTERNAL_ERROR, TRY_LATER, Query, Refused, names_issuer, parse_request
from .ocsp_signing import (
    BUILDER_HASHES,
    UNKNOWN,
    Signed,
    Status,
    error_response,
    sign_many,
    sign_one,
    single_response,
    status_of,
    whole_seconds,
)

logger = logging.getLogger(__name__)


def statuses(serials: set[int], generation: int) -> dict[int, Status]:
    """The status of each serial asked that `generation` issued, in one query; other serials are missing."""
    found = Certificate.objects.filter(serial__in=[f"{serial:x}" for serial in serials], ca_generation=generation)
    found = found.exclude(pem="")
    found = found.only("serial", "revoked_at", "revocation_reason")
    return {int(certificate.serial, 16): status_of(certificate) for certificate in found}


def signed_now(query: Query, responder) -> Signed:
    """One SingleResponse per CertID, in the order asked, signed now; the nonce echoed."""
    serials = [cert_id.serial if names_issuer(cert_id, responder.issuer) else None for cert_id in query.cert_ids]
    known = statuses({serial for serial in serials if serial is not None}, responder.generation)
    now = whole_seconds(timezone.now())
    answers = [known.get(serial, UNKNOWN) for serial in serials]
    if len(query.cert_ids) == 1 and query.cert_ids[0].algorithm in BUILDER_HASHES:
        return Signed(sign_one(responder, query.cert_ids[0], answers[0], now, query.nonce))
    singles = [single_response(cert_id, status, now) for cert_id, status in zip(query.cert_ids, answers, strict=True)]
    return Signed(sign_many(responder, singles, produced_at=now, nonce=query.nonce))


def answer(query: Query, responder) -> Signed:
    if (
        len(query.cert_ids) == 1
        and query.cert_ids[0].algorithm in PREPARED_HASHES
        and names_issuer(query.cert_ids[0], responder.issuer)
    ):
        # Pre-produced: served without its nonce (RFC 5019; RFC 6960 §4.4.1 makes the nonce optional).
        prepared = prepared_answer(query.cert_ids[0], responder)
        if prepared is not None:
            return prepared
    return signed_now(query, responder)


def respond(request_der: bytes, *, may_issue_responder: bool = True) -> Signed:
    """The OCSPResponse to a DER OCSPRequest: never raises; a refusal or a failure is logged in one line.
    The revocation responder passes `may_issue_responder=False`: it never opens the CA key (ocsp_signer)."""
    try:
        query = parse_request(request_der)
        return answer(query, ocsp_signer.for_answers(may_issue=may_issue_responder, cert_id=query.cert_ids[0]))
    except ocsp_signer.NoResponder as missing:
        logger.error("OCSP responder cannot sign: %s", missing)
        return Signed(error_response(TRY_LATER))
    except Refused as refusal:
        logger.info("OCSP request refused (%s): %s", refusal.status, refusal)
        return Signed(error_response(refusal.status))
    except (OperationalError, InterfaceError) as error:
        # The database is away (RFC 6960 §2.3: tryLater, "temporarily unable to respond"): clients retry or soft-fail
        # as they do for a responder that is down, instead of reading internalError as a broken responder.
        logger.warning("OCSP responder: database unavailable: %s: %s", type(error).__name__, error)
        return Signed(error_response(TRY_LATER))
    except Exception as error:  # any failure still answers in OCSP, never with a 500 page
        logger.error("OCSP responder failed: %s: %s", type(error).__name__, error)  # one line, no traceback
        return Signed(error_response(INTERNAL_ERROR))
