"""ASGI entry point of the revocation responder (`gunicorn -k asgi naccs.responder`): /pki/ocsp and /pki/crl only.

Every TLS handshake that checks one of our certificates asks these paths, so production runs them in a server of
their own next to the portal's (`gunicorn naccs.wsgi`), and the TLS proxy sends them there (deploy/nginx/,
README.md). Both read the same stored answers: naccs.pki.published.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naccs.settings")
# This process signs OCSP answers with the delegated responder key only: settings withhold the CA passphrase from it.
os.environ["NACCS_REVOCATION_RESPONDER"] = "1"
django.setup(set_prefix=False)

from naccs.pki.generation import check_at_start  # noqa: E402 - needs the apps that django.setup loads
from naccs.pki.published import RevocationResponder  # noqa: E402

check_at_start()  # CA files of another generation than the database's: refuse to start (docs/operations.md)
application = RevocationResponder()
