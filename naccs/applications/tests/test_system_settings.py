"""システム設定の申込 end to end: the wizard, the review, the morning run of the 設定希望日 and 契約内容の確認."""

import pytest

from naccs.applications import lifecycle
from naccs.applications.models import Application, SystemSettingsLine
from naccs.audit.models import AuditEvent
from naccs.center import morning_run
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem
from naccs.terminals.models import NotificationAddress, SettingItem, TerminalSetting

pytestmark = pytest.mark.django_db
Status = Application.Status


def register(client, pk):
    return client.post(f"/applications/system_settings/{pk}/confirm/")


def test_the_catalogue_is_seeded_by_the_migration(db):
    seeded = set(SettingItem.objects.values_list("code", flat=True))
    assert {"SEA-IMP", "INQ", "PERMIT"} <= seeded


def test_the_step_offers_what_the_center_puts_in_the_catalogue(user_client, walk_system_settings):
    SettingItem.objects.create(kind="business_group", code="NEW", name="新設業務", order=99)
    SettingItem.objects.filter(code="AIR-EXP").update(is_active=False)
    pk = walk_system_settings()
    html = user_client.get(f"/applications/system_settings/{pk}/terminals/").content.decode()
    assert "新設業務" in html and "輸出申告関連業務（航空）" not in html


def test_the_confirmation_shows_each_section_with_its_way_back(user_client, walk_system_settings, terminals):
    pk = walk_system_settings()
    html = user_client.get(f"/applications/system_settings/{pk}/confirm/").content.decode()
    for back in ("申込担当者の入力に戻る", "設定内容の入力に戻る", "論理端末の設定の入力に戻る"):
        assert back in html
    assert "notice@example.jp" in html and terminals[0].name in html
    assert "輸入申告関連業務（海上）、照会業務" in html and "許可・承認通知情報：permit@example.jp" in html


def test_setting_a_terminal_again_replaces_it(user_client, walk_system_settings, terminals, setting_items):
    pk = walk_system_settings()
    user_client.post(
        f"/applications/system_settings/{pk}/terminals/",
        {"go": "add", "terminal_name": terminals[0].name.lower(), "business_groups": [setting_items["SEA-EXP"].pk]},
    )
    line = SystemSettingsLine.objects.get(application_id=pk)
    assert [item.code for item in line.business_groups.all()] == ["SEA-EXP"] and line.mail_outputs == {}


def test_wrong_input_is_said_next_to_its_field(user_client, walk_system_settings, other_terminal, setting_items):
    pk = walk_system_settings()
    response = user_client.post(
        f"/applications/system_settings/{pk}/terminals/",
        {"go": "add", "terminal_name": other_terminal.name, f"output_{setting_items['CARGO'].pk}": "no-at-sign"},
    )
    html = response.content.decode()
    assert f"論理端末{other_terminal.name}は利用中の論理端末にありません。" in html
    assert "利用する業務を1つ以上選択してください。" in html
    assert "貨物情報・搬出入通知情報の電子メールによる配信先の形式が正しくありません。" in html
    response = user_client.post(
        f"/applications/system_settings/{pk}/details/",
        {"desired_date": "2026", "address1": "a@example.jp", "address2": "A@example.jp"},
    )
    html = response.content.decode()
    assert "設定希望日はYYYYMMDDの形式（半角数字8桁）で入力してください。" in html
    assert "通知先E-mailアドレス2は他の通知先と同じです。" in html


def test_registering_twice_makes_one_application(user_client, walk_system_settings):
    pk = walk_system_settings()
    assert register(user_client, pk).url == register(user_client, pk).url
    assert Application.objects.get(pk=pk).status == Status.SUBMITTED
    assert OutboundMail.objects.get().subject.startswith("【NACCS】システム設定の申込受付完了")


def test_each_decision_posts_the_manuals_news_and_a_mail(user_client, walk_system_settings, staff_user):
    pk = walk_system_settings()
    register(user_client, pk)
    lifecycle.request_info(application=pk, actor=staff_user, message="配信先のアドレスをご確認ください。")
    asked = NewsItem.objects.latest("published_at")
    assert asked.category == NewsItem.Category.SYSTEM_SETTINGS
    assert asked.text.startswith(
        "システム設定申込内容に確認事項があります。通知内容をご確認の上、申込内容の修正、または取り下げを行ってください。"
    )
    assert register(user_client, pk).url.endswith("/done/")
    lifecycle.approve(application=pk, actor=staff_user)
    approved = NewsItem.objects.latest("published_at")
    assert approved.category == NewsItem.Category.SYSTEM_SETTINGS
    assert approved.text.startswith("システム設定申込の審査を終了しました。通知内容をご確認してください。")
    assert OutboundMail.objects.count() == 4
    pk = walk_system_settings()
    register(user_client, pk)
    user_client.post(f"/applications/{pk}/withdraw/")
    assert NewsItem.objects.latest("published_at").text.startswith("システム設定申込を取り下げました。")


def test_the_morning_run_of_its_date_applies_the_settings_once(
    user_client, walk_system_settings, staff_user, terminals, company, setting_items
):
    TerminalSetting.objects.create(terminal=terminals[0], item=setting_items["AIR-IMP"])
    pk = walk_system_settings()
    register(user_client, pk)
    lifecycle.approve(application=pk, actor=staff_user)
    day = Application.objects.get(pk=pk).desired_date
    assert not TerminalSetting.objects.filter(terminal=terminals[0], item=setting_items["SEA-IMP"]).exists()
    morning_run.process_day(day=day)
    current = {
        setting.item.code: setting.delivery_mail for setting in TerminalSetting.objects.filter(terminal=terminals[0])
    }
    assert current == {"SEA-IMP": "", "INQ": "", "PERMIT": "permit@example.jp"}
    assert list(NotificationAddress.objects.filter(company=company).values_list("email", flat=True)) == [
        "notice@example.jp"
    ]
    assert Application.objects.get(pk=pk).status == Status.COMPLETED
    assert NewsItem.objects.latest("published_at").text.startswith("システム設定を反映しました。")
    assert AuditEvent.objects.filter(action="system_settings.carried_out").count() == 1
    morning_run.process_day(day=day)
    assert AuditEvent.objects.filter(action="system_settings.carried_out").count() == 1
    html = user_client.get("/contract/").content.decode()
    assert "利用する業務：輸入申告関連業務（海上）、照会業務" in html
    assert "許可・承認通知情報（permit@example.jp）" in html and "notice@example.jp" in html


def test_a_terminal_can_be_taken_out_on_its_step_only(user_client, walk_system_settings):
    pk = walk_system_settings()
    assert "の設定を取り消す" not in user_client.get(f"/applications/system_settings/{pk}/confirm/").content.decode()
    page = f"/applications/system_settings/{pk}/terminals/"
    assert "の設定を取り消す" in user_client.get(page).content.decode()
    line = SystemSettingsLine.objects.get(application_id=pk)
    user_client.post(page, {"go": "remove", "line": line.pk})
    assert not SystemSettingsLine.objects.filter(pk=line.pk).exists()
