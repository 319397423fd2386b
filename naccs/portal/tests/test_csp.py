"""Every response carries the Content-Security-Policy of the settings (django-csp)."""


def test_every_page_gets_the_policy_of_the_settings(client, db):
    policy = client.get("/accounts/login/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
