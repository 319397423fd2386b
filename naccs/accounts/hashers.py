"""The portal's password hasher: Django's argon2id with OWASP's minimum parameters instead of Django's defaults.

OWASP (Password Storage Cheat Sheet) asks for argon2id with at least 19 MiB of memory, 2 iterations and 1 degree of
parallelism. Django's defaults (100 MiB, 2 iterations, 8 lanes) cost five times the memory, and 8 lanes on a 2-core
host mean each check takes both cores: a flood of failed logins (issue 13, item 4) grew one process to 2.7 GiB.
With one lane a check takes one core, so two at once (PASSWORD_CHECKS_AT_ONCE) fill two cores and no more.

The algorithm's name stays "argon2", so hashes made with Django's parameters still verify; Django's `must_update`
sees their other parameters and the login rehashes them with these (figures: bench/README.md).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB: 19 MiB
    parallelism = 1
