"""`python -m naccs_renew`, the same as the `naccs-renew` command."""

import sys

from .cli import main

sys.exit(main())
