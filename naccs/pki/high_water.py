"""The newest CRL this CA has published, kept in CA_DIR next to the CA's key, outside the database (issue 26 #9).

A database restored from a backup has forgotten every CRL (and revocation) after the backup; the CA directory has
not. From this mark the CA tells such a database apart (`restore_gap`, a system check), and numbers its next CRL
above anything it ever published, so that CRL numbers keep increasing across a restore (RFC 5280 §5.2.3). The copy
of the newest CRL itself lists the certificates revoked after the backup, for staff to revoke again. The time of the
newest pre-produced OCSP answer is kept too (`record_answers`, by the worker's refresh every minute): a database whose
answers are all older was restored, even when no CRL was published since the backup.
"""

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from . import ca

MARK_FILE = "crl-published.json"
CRL_COPY_FILE = "crl-published.der"
LOCK_FILE = ".crl-published.lock"
ANSWERS_MARK_FILE = "ocsp-published.json"


@dataclass(frozen=True)
class Mark:
    number: int
    this_update: str  # ISO 8601, as signed

    def crl(self, directory: Path | None = None) -> x509.CertificateRevocationList | None:
        path = (directory or ca.ca_dir()) / CRL_COPY_FILE
        return x509.load_der_x509_crl(path.read_bytes()) if path.exists() else None


def newest_published(directory: Path | None = None) -> Mark | None:
    path = (directory or ca.ca_dir()) / MARK_FILE
    try:
        data = json.loads(path.read_text())
        return Mark(number=int(data["number"]), this_update=str(data["this_update"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def record(number: int, this_update, der: bytes, directory: Path | None = None) -> None:
    """Remember a CRL just signed, unless a higher number is already remembered. Written before the CRL is stored or
    served: a CRL that is then not stored leaves a gap in the numbers, which RFC 5280 allows; one served and not
    remembered would let a restored host reuse its number."""
    directory = directory or ca.ca_dir()
    # Hosts sharing CA_DIR publish at once: read, compare and write under one lock, or a lower number could overwrite
    # a higher one written meanwhile.
    with (directory / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        mark = newest_published(directory)
        if mark is not None and mark.number >= number:
            return
        replace(directory / CRL_COPY_FILE, der)
        replace(directory / MARK_FILE, json.dumps({"number": number, "this_update": this_update.isoformat()}).encode())


def newest_answer_published(directory: Path | None = None) -> datetime | None:
    """The thisUpdate of the newest pre-produced OCSP answer the CA published."""
    try:
        return datetime.fromisoformat(json.loads(((directory or ca.ca_dir()) / ANSWERS_MARK_FILE).read_text())["at"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def record_answers(this_update: datetime, directory: Path | None = None) -> None:
    """Remember the thisUpdate of the newest OCSP answer the database holds (so serves). Written as it is, even when
    older than the mark: the answers of a certificate that expired are forgotten, so the newest may go back."""
    replace((directory or ca.ca_dir()) / ANSWERS_MARK_FILE, json.dumps({"at": this_update.isoformat()}).encode())


def replace(path: Path, data: bytes) -> None:
    """Write atomically (a reader sees the old file or the new one, never half of one)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def next_number(last_stored: int | None) -> int:
    """The next CRL number: above the newest stored one and above the newest ever published."""
    mark = newest_published()
    return max(last_stored or 0, mark.number if mark else 0) + 1
