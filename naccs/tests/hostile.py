"""Hypothesis strategies for hostile text: control characters, surrogates, odd Unicode, huge strings, markup, SQL."""

from hypothesis import strategies as st

MARKUP_AND_SQL = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    "'; DROP TABLE accounts_user; --",
    "{{ 7*7 }}{% debug %}",
    "javascript:alert(1)",
    "\u202e\u0000\ufeff",
    "ｱｲｳｴｵ１２３－",
]

hostile_text = st.one_of(
    st.text(st.characters(codec=None, categories=["Cc", "Cs", "Co", "Cn", "Zs", "Mn", "So"]), max_size=40),
    st.text(max_size=60),
    st.sampled_from(MARKUP_AND_SQL),
    st.builds(lambda s, n: s * n, st.sampled_from(["あ", "A", "<", "'"]), st.just(10_000)),
)


def as_form_value(value: str) -> str:
    """What a browser could send: lone surrogates cannot be encoded in UTF-8, so they arrive replaced."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def assert_escaped(html: str, value: str) -> None:
    """A hostile value shown again must never come back as live markup."""
    if "<script>" in value:
        assert "<script>alert(1)</script>" not in html
    if "onerror=" in value:
        assert "<img src=x onerror" not in html


def refused(response, value: str) -> bool:
    """The page answered a post with a hostile `value`: a redirect when it saved, or the form again, showing `value`
    only escaped. True for the form again (nothing should have been saved)."""
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        return False
    assert_escaped(response.content.decode(), value)
    return True
