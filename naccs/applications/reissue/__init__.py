"""デジタル証明書の再発行: the reissue kind of 申込 (its steps, its 確認画面 section, its morning-run work)."""
