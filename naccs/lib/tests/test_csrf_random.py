"""Django's CSRF tokens draw their random characters from naccs.lib.csrf, evenly over Django's alphabet."""

from collections import Counter

from django.middleware import csrf

from naccs.lib.csrf import random_csrf_string


def test_django_draws_its_csrf_masks_and_secrets_through_ours():
    assert csrf._get_new_csrf_string is random_csrf_string
    # If Django stops calling the name we replace, the speed-up is gone silently: this says so.
    for django_function in (csrf._mask_cipher_secret, csrf._add_new_csrf_cookie):
        assert "_get_new_csrf_string" in django_function.__code__.co_names


def test_a_string_has_django_s_length_and_alphabet_and_is_new_each_time():
    strings = {random_csrf_string() for _ in range(1000)}
    assert len(strings) == 1000
    for string in strings:
        assert len(string) == csrf.CSRF_SECRET_LENGTH
        assert set(string) <= set(csrf.CSRF_ALLOWED_CHARS)


def test_every_character_is_drawn_as_often_as_the_others():
    draws = 4000
    counts = Counter("".join(random_csrf_string() for _ in range(draws)))
    expected = draws * csrf.CSRF_SECRET_LENGTH / len(csrf.CSRF_ALLOWED_CHARS)  # 2,064.5
    spread = 6 * expected**0.5  # six standard deviations: a fair draw fails about once in 10^7 runs
    assert set(counts) == set(csrf.CSRF_ALLOWED_CHARS)
    assert all(abs(count - expected) < spread for count in counts.values()), counts
    # The bytes above the last whole multiple of 62 (248..255) would favour the first eight characters.
    first_eight = sum(counts[char] for char in csrf.CSRF_ALLOWED_CHARS[:8]) / 8
    assert abs(first_eight - expected) < spread / 8**0.5


def test_a_masked_token_unmasks_to_the_secret():
    secret = random_csrf_string()
    token = csrf._mask_cipher_secret(secret)
    assert len(token) == csrf.CSRF_TOKEN_LENGTH
    assert csrf._unmask_cipher_token(token) == secret
