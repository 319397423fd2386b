"""契約内容の変更: the contract-change kind of 申込 (company details, 事業所 and 論理端末 added or removed)."""
