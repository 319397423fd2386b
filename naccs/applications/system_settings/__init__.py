"""システム設定の申込: the settings a company asks the center to set for its terminals."""
