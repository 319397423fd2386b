"""naccs-renew's kept request (client/naccs_renew/pending.py) and acquire's reading of the 認証コード, in-process."""

import pytest
from naccs_renew.acquire import auth_codes_of
from naccs_renew.password import PasswordUnavailable
from naccs_renew.pending import pending_path, pending_request, read_pending

PASSWORD = "p12-pass-2026"


def test_the_kept_key_is_encrypted_with_the_password_in_a_private_file(tmp_path):
    p12 = tmp_path / "11110A.p12"
    kept = pending_request(p12, owner="abc", password=PASSWORD, key_type="rsa", terminal_name="11110A")
    text = pending_path(p12).read_text()
    assert "BEGIN ENCRYPTED PRIVATE KEY" in text and "BEGIN PRIVATE KEY" not in text
    assert pending_path(p12).stat().st_mode & 0o077 == 0
    assert read_pending(p12, owner="abc", password="another password") is None
    again = pending_request(p12, owner="abc", password=PASSWORD, key_type="ec", terminal_name="11110A")
    # The same key and request on the next attempt, whatever --key-type says now: the portal may have certified it.
    assert again.request == kept.request and again.key.public_key() == kept.key.public_key()


def test_a_request_kept_for_another_certificate_is_not_sent(tmp_path):
    p12 = tmp_path / "11110A.p12"
    kept = pending_request(p12, owner="old-serial", password=PASSWORD, key_type="ec", terminal_name="11110A")
    fresh = pending_request(p12, owner="new-serial", password=PASSWORD, key_type="ec", terminal_name="11110A")
    assert fresh.request != kept.request
    assert read_pending(p12, owner="old-serial", password=PASSWORD) is None  # replaced


@pytest.mark.parametrize("typed", ["NAC11110A-ABCDE00001-NACCS", "NAC11110A ABCDE00001 NACCS\n", "a\nb\nc"])
def test_the_three_codes_may_be_separated_by_hyphens_spaces_or_lines(typed):
    assert auth_codes_of(typed).count("-") == 2


def test_two_codes_are_not_enough():
    with pytest.raises(PasswordUnavailable, match="認証コード1〜3の3つ"):
        auth_codes_of("NAC11110A ABCDE00001")
