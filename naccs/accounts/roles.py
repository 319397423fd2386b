"""Roles inside a company (issue 24 #10): which of a company's logins may see and act on the company's contract."""


def sees_contract(user) -> bool:
    """The company's users, but not a 通関士 ID added by 通関士IDの追加: NACCS gives those for declarations, not for the
    company's contract. A 通関士 sees neither 申込, 契約内容, 認証コード and certificates (so no 取得), 請求 nor the
    expiry-mail settings; home, 新着情報 and their own password are theirs."""
    return user.is_authenticated and user.company_id is not None and not user.is_customs_broker
