from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from naccs.applications.reissue.forms import TerminalsForm
from naccs.terminals.models import LogicalTerminal

pytestmark = pytest.mark.django_db
# Wednesday 2026-11-25 10:00 in Tokyo: the earliest date is Thursday 11/26, the latest 2027-01-24.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def form_for(offered, proceeding=True, **changes):
    data = {"desired_date": "20261201", "reason": "replaced", "terminals": [offered[0].pk], **changes}
    everything = LogicalTerminal.objects.all()
    form = TerminalsForm(data, choosable=everything, listed=everything, proceeding=proceeding, now=NOW)
    form.is_valid()
    return form


def test_a_complete_choice_is_valid(terminals):
    form = form_for(terminals)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["desired_date"] == date(2026, 12, 1)


@pytest.mark.parametrize("typed", ["2026/12/01", "2026-12-01", "２０２６１２０１"])
def test_other_unambiguous_date_forms_are_accepted(terminals, typed):
    assert form_for(terminals, desired_date=typed).cleaned_data["desired_date"] == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "再発行希望日を入力してください。"),
        ("2026121", "再発行希望日はYYYYMMDDの形式（半角数字8桁）で入力してください。（例）20261201"),
        ("明日", "再発行希望日はYYYYMMDDの形式（半角数字8桁）で入力してください。（例）20261201"),
        ("20261131", "再発行希望日に存在しない日付が入力されています。"),
        ("20261128", "再発行希望日に土曜日・日曜日は指定できません。"),
        ("20261129", "再発行希望日に土曜日・日曜日は指定できません。"),
        ("20270111", "再発行希望日に祝日（成人の日）は指定できません。"),
        ("20261229", "再発行希望日にセンター休業日（年末年始）は指定できません。"),
        ("20261125", "再発行希望日は翌営業日（2026/11/26）以降の日付を入力してください。"),
        ("20261120", "再発行希望日は翌営業日（2026/11/26）以降の日付を入力してください。"),
        ("20270125", "再発行希望日は2027/01/24までの日付を入力してください。"),
        ("99991231", "再発行希望日は2027/01/24までの日付を入力してください。"),  # beyond the holiday calendar
    ],
)
def test_desired_date_rules(terminals, typed, message):
    assert form_for(terminals, desired_date=typed).errors["desired_date"] == [message]


def test_the_next_business_day_is_accepted(terminals):
    assert form_for(terminals, desired_date="20261126").is_valid()


def test_the_limit_of_days_ahead_is_configurable(terminals, settings):
    settings.DESIRED_DATE_MAX_DAYS_AHEAD = 10
    assert form_for(terminals, desired_date="20261207").errors["desired_date"] == [
        "再発行希望日は2026/12/05までの日付を入力してください。"
    ]


def test_a_reason_is_required(terminals):
    assert form_for(terminals, reason="").errors["reason"] == ["再発行理由を選択してください。"]


def test_an_unknown_reason_is_refused(terminals):
    assert form_for(terminals, reason="hacked").errors["reason"] == ["再発行理由を選択してください。"]


def test_other_reason_needs_a_text(terminals):
    assert form_for(terminals, reason="other").errors["reason_text"] == ["その他の理由を入力してください。"]


def test_other_reason_text_is_at_most_100_characters(terminals):
    form = form_for(terminals, reason="other", reason_text="あ" * 101)
    assert form.errors["reason_text"] == ["その他の理由は100文字以内で入力してください。"]


def test_other_reason_with_a_text_is_valid(terminals):
    assert form_for(terminals, reason="other", reason_text="端末の故障のため").is_valid()


def test_moving_to_another_page_needs_neither_date_nor_reason(terminals):
    form = form_for(terminals, proceeding=False, desired_date="", reason="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["desired_date"] is None


def test_moving_to_another_page_still_checks_a_date_that_was_typed(terminals):
    form = form_for(terminals, proceeding=False, desired_date="20261128")
    assert form.errors["desired_date"] == ["再発行希望日に土曜日・日曜日は指定できません。"]


def test_a_terminal_outside_the_offered_ones_is_refused(terminals, other_terminal):
    own = LogicalTerminal.objects.filter(company=terminals[0].company)
    form = TerminalsForm(
        {"desired_date": "20261201", "reason": "replaced", "terminals": [other_terminal.pk]},
        choosable=own,
        listed=own,
        now=NOW,
    )
    assert form.errors["terminals"] == ["選択できない論理端末が含まれています。画面を開き直してから選択してください。"]


@pytest.mark.parametrize("value", ["9223372036854775808", "-1", "1e3", "x"])
def test_an_impossible_terminal_id_is_refused_not_crashed(terminals, value):
    assert form_for(terminals, terminals=[value]).errors["terminals"] == [
        "選択できない論理端末が含まれています。画面を開き直してから選択してください。"
    ]


@pytest.mark.parametrize(
    "environment, days",
    [
        ({}, "60"),
        ({"REISSUE_MAX_DAYS_AHEAD": "30"}, "30"),  # the setting's former name, from a deployment made before
        ({"REISSUE_MAX_DAYS_AHEAD": "30", "DESIRED_DATE_MAX_DAYS_AHEAD": "45"}, "45"),
    ],
)
def test_the_limit_of_days_ahead_is_read_under_its_name_or_its_former_one(environment, days):
    import os
    import subprocess
    import sys

    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in ("REISSUE_MAX_DAYS_AHEAD", "DESIRED_DATE_MAX_DAYS_AHEAD")
    }
    result = subprocess.run(
        [sys.executable, "-c", "from naccs import settings; print(settings.DESIRED_DATE_MAX_DAYS_AHEAD)"],
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == days
