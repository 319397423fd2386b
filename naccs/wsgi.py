"""WSGI entry point (gunicorn naccs.wsgi).

/pki/ocsp and /pki/crl are answered by naccs.pki.published.RevocationPaths before Django's request cycle (the hottest
paths of the CA: bench/README.md, issue 17), where the TLS proxy does not send them to the revocation responder
(naccs.responder); everything else goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naccs.settings")
django_application = get_wsgi_application()

from naccs.pki.generation import check_at_start  # noqa: E402 - needs the apps that get_wsgi_application loads
from naccs.pki.published import RevocationPaths  # noqa: E402

check_at_start()  # CA files of another generation than the database's: refuse to start (docs/operations.md)
application = RevocationPaths(django_application)
