"""契約内容の確認: the company's contract as it stands, each terminal with its certificate and what can be done."""
