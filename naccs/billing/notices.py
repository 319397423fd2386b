"""The 新着情報 texts of billing, as the manual words them (category 利用料金)."""

INVOICE_CONFIRMED = "前月分の請求額が確定しました。請求情報の詳細画面から内容を確認してください。"
INVOICE_CORRECTED = "請求書を訂正しました。赤伝と訂正後の請求書を請求情報の詳細画面から確認してください。"
DIRECT_DEBIT_FORM_SENT = (
    "口座振替申込専用紙を送付しました。受領しましたら、必要事項を記入しNACCSセンターに郵送してください。"
)
