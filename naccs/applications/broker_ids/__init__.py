"""通関士IDの追加: the kind of 申込 that adds customs brokers' logins (its steps, its section, its logins)."""
