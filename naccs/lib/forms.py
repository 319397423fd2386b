"""What the portal's forms share."""


def required(label: str) -> dict:
    """error_messages for a required field, in the portal's words: 「氏名（姓）を入力してください。」"""
    return {"required": f"{label}を入力してください。"}
