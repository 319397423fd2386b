"""Whether this host's CA files are the generation the database says is current (issue 26 #10).

Hosts that each keep their own copy of CA_DIR disagree after a rotation on one of them: the same certificate answers
good on one host and unknown on the other. The database knows the issuing generation (naccs.pki.generations; before
generations, the newest `ca.rotated` audit event named the CA's serial); a process that signs (the portal, the
responder, the task workers) refuses to start when CA_DIR's issuing files (ca.issuing_dir) are another
certificate. The supported shapes are one CA_DIR on storage every host shares, or an HSM (docs/operations.md).
"""

import logging

from cryptography import x509
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections

from naccs.audit.models import AuditEvent

from . import ca
from .models import CAGeneration

logger = logging.getLogger(__name__)

ROTATED = "ca.rotated"


class CAGenerationMismatch(ImproperlyConfigured):
    pass


def current_serial_in_database() -> str | None:
    """The serial (hex) of the issuing generation's certificate, or of the CA the newest rotation before generations
    made; None when neither is known (a CA never rotated, not yet registered as generation 1)."""
    issuing = CAGeneration.objects.filter(state=CAGeneration.State.ISSUING).values_list("certificate_pem", flat=True)
    pem = issuing.first()
    if pem:
        return f"{x509.load_pem_x509_certificate(pem.encode()).serial_number:x}"
    newest = AuditEvent.objects.filter(action=ROTATED).order_by("-created_at", "-id").values_list("after", flat=True)
    after = newest.first()
    return after.get("serial") if after else None


def local_certificate() -> x509.Certificate:
    """This host's CA certificate, read from its file: no key is opened (600,000 PBKDF2 rounds) to compare serials,
    so a process starts as fast as before."""
    path = ca.issuing_dir() / ca.CERT_FILE
    if not path.exists():
        raise ca.CAUnavailable(f"No CA certificate in {path.parent}: run `python manage.py ca_create`.")
    return x509.load_pem_x509_certificate(path.read_bytes())


def check_generation() -> None:
    expected = current_serial_in_database()
    if expected is None:
        return
    local = f"{local_certificate().serial_number:x}"
    if local != expected:
        raise CAGenerationMismatch(
            f"The CA files in {ca.ca_dir()} (certificate serial {local}) are not the current CA generation "
            f"(serial {expected}, the issuing generation recorded in the database). Every host must use the same "
            "CA_DIR (shared storage) or HSM: docs/operations.md."
        )


def check_at_start() -> None:
    """Refuse to start on a CA of another generation. A database or CA that cannot be read now is not a reason to
    stay down (the process answers 503 until they are back): it is logged, and the check is skipped."""
    try:
        check_generation()
    except CAGenerationMismatch:
        raise
    except (DatabaseError, ImproperlyConfigured) as error:
        logger.warning("CA generation not checked at start: %s: %s", type(error).__name__, error)
    finally:
        # A connection opened before gunicorn forks (or before the worker's loop) must not be shared or kept.
        connections.close_all()
