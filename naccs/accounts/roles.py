"""Roles inside a company (issue 24 #10): which of a company's logins may see and act on what of the contract.

Three roles, each the one rule the views ask:
- the company's 管理者 (`User.is_company_administrator`): the contract, every kind of 申込, every terminal and its
  certificate, billing, the expiry reminders and the company's logins;
- an office user (any other company login): 契約内容の確認, 取得 and デジタル証明書の再発行 for the terminals of their
  own 事業所 only (`LogicalTerminal.office`), and the 申込 they made themselves; another office's terminal or
  another user's 申込 is not found (404), the 管理者's pages say they are not for this login (403);
- a 通関士 ID added by 通関士IDの追加: none of the contract (only home, 新着情報 and their own password).
"""

# The kinds of 申込 an office user may make (Application.Kind values): a reissue concerns their own terminals; a
# 契約内容の変更, システム設定 or 通関士IDの追加 changes the company's contract, which is its 管理者's.
OFFICE_USER_KINDS = frozenset({"reissue"})


def sees_contract(user) -> bool:
    """The company's users, but not a 通関士 ID added by 通関士IDの追加: NACCS gives those for declarations, not for the
    company's contract. A 通関士 sees neither 申込, 契約内容, 認証コード and certificates (so no 取得), 請求 nor the
    expiry-mail settings; home, 新着情報 and their own password are theirs."""
    return user.is_authenticated and user.company_id is not None and not user.is_customs_broker


def manages_contract(user) -> bool:
    """The company's 管理者: the whole contract, every 申込, every terminal, billing and the company's logins."""
    return sees_contract(user) and user.is_company_administrator


def may_apply_for(user, kind: str) -> bool:
    """Whether `user` may make (and see the wizard of) a 申込 of `kind`."""
    return manages_contract(user) or (sees_contract(user) and kind in OFFICE_USER_KINDS)


def terminals_seen_by(user, terminals):
    """`terminals` (a QuerySet of LogicalTerminal, already the company's) narrowed to what `user` sees: all for the
    管理者, their own 事業所's for an office user (none without an 事業所, nor a terminal without one)."""
    if manages_contract(user):
        return terminals
    if not sees_contract(user) or user.office_id is None:
        return terminals.none()
    return terminals.filter(office_id=user.office_id)


def applications_seen_by(user, applications):
    """`applications` (a QuerySet of Application, already the company's) narrowed to what `user` sees: all for the
    管理者, those they made themselves for an office user."""
    if manages_contract(user):
        return applications
    if not sees_contract(user):
        return applications.none()
    return applications.filter(created_by_id=user.pk)
