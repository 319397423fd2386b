"""システム設定の申込: what the system-settings kind adds to the lifecycle. The catalogue of settings is data
(terminals.SettingItem, kept by the center); approval applies them on the 設定希望日 through the morning run
(carry_out), once, under the lock of the SystemSettings row."""

from django.db.models import Prefetch

from naccs.portal.models import NewsItem
from naccs.terminals.models import LogicalTerminal, NotificationAddress, SettingItem, TerminalSetting

from .. import kinds
from ..lifecycle import TransitionRefused
from ..models import Application, SystemSettings, SystemSettingsLine

MAX_NOTIFICATION_ADDRESSES = 3
MAX_TERMINALS = 100


class SystemSettingsKind(kinds.CarriedOutOnce):
    code = Application.Kind.SYSTEM_SETTINGS
    title = "システム設定申込"
    noun = "システム設定申込"
    steps = (
        kinds.Step("設定内容入力", "設定内容の入力", "applications:system_settings_details"),
        kinds.Step("論理端末設定入力", "論理端末の設定の入力", "applications:system_settings_terminals"),
    )
    completed_label = "設定済"
    news = kinds.news_texts(
        noun,
        {
            kinds.APPROVED: f"{noun}の審査を終了しました。通知内容をご確認してください。",
            kinds.INFO_REQUESTED: f"{noun}内容に確認事項があります。{kinds.ASKED_TO_AMEND}",
            kinds.COMPLETED: "システム設定を反映しました。「契約内容の確認」で各論理端末の設定をご確認ください。",
        },
    )
    news_categories = dict.fromkeys(news, NewsItem.Category.SYSTEM_SETTINGS)

    def start(self, application):
        SystemSettings.objects.create(application=application)

    def is_complete(self, application):
        return application.desired_date is not None and (
            bool(application.system_settings.notification_addresses) or application.system_settings_lines.exists()
        )

    def check_submittable(self, application):
        """Under the 申込's lock: every terminal it sets is still one of the company's in use."""
        gone = application.system_settings_lines.exclude(
            terminal__is_active=True, terminal__company=application.company
        )
        if names := sorted(gone.values_list("terminal__name", flat=True)):
            raise TransitionRefused(
                f"論理端末{'、'.join(names)}は利用されていません。論理端末の設定の入力に戻って取り消してください。"
            )

    row_model = SystemSettings

    def apply(self, row, *, actor, now):
        """Every terminal's settings (a terminal removed meanwhile is passed over) and the notification addresses."""
        application = row.application
        company = application.company
        applied = []
        for line in lines_with_items().filter(application=application, terminal__is_active=True):
            terminal = LogicalTerminal.objects.select_for_update(of=("self",)).get(pk=line.terminal_id)
            TerminalSetting.objects.filter(terminal=terminal).delete()
            outputs = SettingItem.objects.filter(kind=SettingItem.Kind.OUTPUT, pk__in=list(line.mail_outputs))
            TerminalSetting.objects.bulk_create(
                [TerminalSetting(terminal=terminal, item=item) for item in line.business_groups.all()]
                + [
                    TerminalSetting(terminal=terminal, item=item, delivery_mail=line.mail_outputs[str(item.pk)])
                    for item in outputs
                ]
            )
            applied.append(terminal.name)
        if row.notification_addresses:
            NotificationAddress.objects.filter(company=company).delete()
            NotificationAddress.objects.bulk_create(
                NotificationAddress(company=company, email=email) for email in row.notification_addresses
            )
        return {"terminals": applied, "notification_addresses": row.notification_addresses}

    def with_details(self, applications):
        return applications.select_related("system_settings").prefetch_related(
            Prefetch("system_settings_lines", queryset=lines_with_items())
        )

    def section_context(self, application):
        outputs = {str(item.pk): item for item in SettingItem.objects.filter(kind=SettingItem.Kind.OUTPUT)}
        return {
            "settings": application.system_settings,
            "setting_lines": [
                {"line": line, "mail_outputs": mail_outputs_of(line, outputs)}
                for line in application.system_settings_lines.all()
            ],
        }

    def summary(self, application):
        names = [line.terminal.name for line in application.system_settings_lines.all()]
        if application.system_settings.notification_addresses:
            names.insert(0, "通知先E-mailアドレス")
        return "、".join(names)

    def list_prefetch(self):
        terminals = SystemSettingsLine.objects.select_related("terminal").order_by("terminal__name")
        return ["system_settings", Prefetch("system_settings_lines", queryset=terminals)]


def lines_with_items():
    return SystemSettingsLine.objects.select_related("terminal").prefetch_related("business_groups")


def mail_outputs_of(line: SystemSettingsLine, outputs: dict) -> list[tuple]:
    """The line's 電子メールによる配信 as (item, address), in the catalogue's order."""
    pairs = [(outputs[key], address) for key, address in line.mail_outputs.items() if key in outputs]
    return sorted(pairs, key=lambda pair: (pair[0].order, pair[0].code))


def set_details(application, data: dict) -> None:
    """Save the 設定内容 step into a locked draft."""
    application.desired_date = data["desired_date"]
    SystemSettings.objects.filter(application=application).update(notification_addresses=data["addresses"])


def set_terminal(application, *, terminal, business_groups, mail_outputs: dict) -> None:
    """One terminal's settings into a locked draft; setting a terminal again replaces what was entered for it."""
    lines = application.system_settings_lines
    if not lines.filter(terminal=terminal).exists() and lines.count() >= MAX_TERMINALS:
        raise TransitionRefused(f"1つの申込で設定できる論理端末は{MAX_TERMINALS}台までです。")
    line, _ = SystemSettingsLine.objects.update_or_create(
        application=application,
        terminal=terminal,
        defaults={"mail_outputs": {str(item.pk): address for item, address in mail_outputs.items()}},
    )
    line.business_groups.set(business_groups)


def remove_terminal(application, line_id: int) -> None:
    application.system_settings_lines.filter(pk=line_id).delete()
