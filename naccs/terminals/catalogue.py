"""The first catalogue of システム設定 (SettingItem), seeded by the terminals migration and by the demo data; the center
adds to it in the back office."""

FIRST_CATALOGUE = [
    ("business_group", "SEA-IMP", "輸入申告関連業務（海上）", 10),
    ("business_group", "SEA-EXP", "輸出申告関連業務（海上）", 20),
    ("business_group", "SEA-BND", "保税・貨物管理業務（海上）", 30),
    ("business_group", "SEA-VSL", "船舶・入出港関連業務", 40),
    ("business_group", "AIR-IMP", "輸入申告関連業務（航空）", 50),
    ("business_group", "AIR-EXP", "輸出申告関連業務（航空）", 60),
    ("business_group", "AIR-BND", "保税・貨物管理業務（航空）", 70),
    ("business_group", "INQ", "照会業務", 80),
    ("output", "PERMIT", "許可・承認通知情報", 10),
    ("output", "REVIEW", "審査結果通知情報", 20),
    ("output", "CARGO", "貨物情報・搬出入通知情報", 30),
    ("output", "DUTY", "納付・口座振替関連情報", 40),
]


def seed_catalogue(setting_item_model) -> None:
    """Every item of the first catalogue that is missing (the model class of a migration's state, or the real one)."""
    for kind, code, name, order in FIRST_CATALOGUE:
        setting_item_model.objects.get_or_create(code=code, defaults={"kind": kind, "name": name, "order": order})
