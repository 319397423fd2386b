"""SoftHSM 2 tokens for the tests of the PKCS#11 backend (naccs.pki.hsm): each in this run's own token directory.

SoftHSM reads SOFTHSM2_CONF (which names the token directory) when the module is initialised, and sees tokens made
by softhsm2-util only after it is initialised again: `fresh_token` does both, and `hsm.forget()` makes the backend
open its session anew. The settings of the backend go into os.environ as well, so that the processes a test starts
(scripts/serve-tls's `tls_server_certificate`) sign with the same token.
"""

import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
SO_PIN = "so-pin-2026"
PIN = "user-pin-2026"
_labels = itertools.count(1)


def module() -> str | None:
    return next((path for path in MODULES if Path(path).exists()), None)


def missing() -> str | None:
    """Why SoftHSM tests cannot run here, or None."""
    if shutil.which("softhsm2-util") is None or module() is None:
        return "softhsm2 is not installed (Debian's softhsm2: `make system-test-deps` installs it)"
    return None


@dataclass(frozen=True)
class Token:
    label: str
    pin: str = PIN
    so_pin: str = SO_PIN

    def settings(self) -> dict[str, str]:
        return {
            "CA_KEY_BACKEND": "pkcs11",
            "PKCS11_MODULE": module(),
            "PKCS11_TOKEN_LABEL": self.label,
            "PKCS11_PIN": self.pin,
        }

    def use(self, settings, setenv=os.environ.__setitem__) -> None:
        """Make the CA keys in this token: in Django's settings and in the environment of child processes (a test
        passes monkeypatch.setenv, the whole run's token os.environ's own)."""
        for name, value in self.settings().items():
            setattr(settings, name, value)
            setenv(name, value)


def configure(directory: Path) -> None:
    """This process's token directory (once per run: SoftHSM reads it when the module is first initialised)."""
    (directory / "tokens").mkdir(exist_ok=True)
    (directory / "softhsm2.conf").write_text(
        f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(directory / "softhsm2.conf")


def fresh_token() -> Token:
    """A new, empty token in the configured directory, seen at once by this process's PKCS#11 module."""
    import pkcs11

    from naccs.pki import hsm

    token = Token(label=f"NACCS test {os.getpid()} {next(_labels)}")
    command = ["softhsm2-util", "--init-token", "--free", "--label", token.label, "--so-pin", token.so_pin,
               "--pin", token.pin]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    hsm.forget()
    pkcs11.lib(module()).reinitialize()
    return token
