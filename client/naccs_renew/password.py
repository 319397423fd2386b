"""The PKCS#12 password (and acquire's 認証コード): from a file, an environment variable or the Windows credential
store, never the command line (where every user of the machine can read it in the process list)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_ENVIRONMENT_VARIABLE = "NACCS_RENEW_PASSWORD"


class PasswordUnavailable(Exception):
    pass


def read_password(*, file: str | None, environment: str | None, credential: str | None) -> str:
    return read_secret(
        file=file, environment=environment, credential=credential, default_environment=DEFAULT_ENVIRONMENT_VARIABLE
    )


def read_secret(
    *, file: str | None, environment: str | None, credential: str | None, default_environment: str,
    what: tuple = ("パスワード", "password"),
) -> str:  # fmt: skip
    """A secret (the password, or acquire's 認証コード) from a file, the Windows credential store or an environment
    variable (`default_environment` when none is named)."""
    if file:
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise PasswordUnavailable(f"{file}: {error.strerror or error}") from None
        return text.rstrip("\r\n")
    if credential:
        return windows_credential(credential)
    name = environment or default_environment
    value = os.environ.get(name)
    if value is None:
        option = "password" if what[1] == "password" else "codes"
        raise PasswordUnavailable(
            f"{what[0]}がありません: --{option}-file、--{option}-env、--{option}-credential か環境変数 {name} で"
            f"渡してください / no {what[1]}: give --{option}-file, --{option}-env, --{option}-credential or set {name}"
        )
    return value


def windows_credential(target: str) -> str:
    """The password of the generic credential `target` in the Windows credential store (資格情報マネージャー), as
    `cmdkey /generic:TARGET /user:NAME /pass` stores it (UTF-16)."""
    if sys.platform != "win32":
        raise PasswordUnavailable(
            "--password-credential は Windows でのみ使えます / --password-credential works on Windows only"
        )
    import ctypes
    from ctypes import wintypes

    class Credential(ctypes.Structure):
        _fields_ = [
            ("Flags", wintypes.DWORD),
            ("Type", wintypes.DWORD),
            ("TargetName", wintypes.LPWSTR),
            ("Comment", wintypes.LPWSTR),
            ("LastWritten", wintypes.FILETIME),
            ("CredentialBlobSize", wintypes.DWORD),
            ("CredentialBlob", ctypes.POINTER(ctypes.c_ubyte)),
            ("Persist", wintypes.DWORD),
            ("AttributeCount", wintypes.DWORD),
            ("Attributes", ctypes.c_void_p),
            ("TargetAlias", wintypes.LPWSTR),
            ("UserName", wintypes.LPWSTR),
        ]

    generic = 1  # CRED_TYPE_GENERIC
    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    pointer = ctypes.POINTER(Credential)()
    if not advapi32.CredReadW(target, generic, 0, ctypes.byref(pointer)):
        raise PasswordUnavailable(
            f"資格情報 {target} がありません / no credential {target} (error {ctypes.get_last_error()})"
        )
    try:
        blob = ctypes.string_at(pointer.contents.CredentialBlob, pointer.contents.CredentialBlobSize)
        return blob.decode("utf-16-le")
    finally:
        advapi32.CredFree(pointer)
