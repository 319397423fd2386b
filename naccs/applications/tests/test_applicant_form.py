import pytest

from naccs.applications.applicant import ApplicantForm

from .conftest import APPLICANT

DIGITS_RULE = "は10桁または11桁の数字で入力してください。（ハイフンは不要です）"


def errors_for(**changes):
    form = ApplicantForm({**APPLICANT, **changes})
    form.is_valid()
    return form.errors


def cleaned(**changes):
    form = ApplicantForm({**APPLICANT, **changes})
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_a_complete_applicant_is_valid():
    assert cleaned()["last_name"] == "通関"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("last_name", "氏名（姓）を入力してください。"),
        ("first_name", "氏名（名）を入力してください。"),
        ("last_name_kana", "フリガナ（姓）を入力してください。"),
        ("first_name_kana", "フリガナ（名）を入力してください。"),
        ("department", "所属部課名を入力してください。"),
        ("phone", "電話番号を入力してください。"),
        ("email", "E-mailアドレス（登録用）を入力してください。"),
        ("email_confirm", "E-mailアドレス（確認用）を入力してください。"),
    ],
)
def test_required_fields_say_what_is_missing(field, message):
    assert errors_for(**{field: ""})[field] == [message]


def test_job_title_and_fax_are_optional():
    data = cleaned(job_title="", fax="")
    assert data["job_title"] == "" and data["fax"] == ""


def test_halfwidth_letters_and_digits_in_a_fullwidth_field_are_widened():
    assert cleaned(department="第一営業部営業第3課")["department"] == "第一営業部営業第３課"


def test_halfwidth_kana_in_a_name_is_widened():
    assert cleaned(first_name="ﾊﾅｺ")["first_name"] == "ハナコ"


def test_a_name_with_characters_that_have_no_fullwidth_form_is_refused():
    assert errors_for(last_name="Müller")["last_name"] == ["氏名（姓）は全角で入力してください。"]


def test_a_name_longer_than_fifty_characters_is_refused():
    assert errors_for(last_name="あ" * 51)["last_name"] == ["氏名（姓）は50文字以内で入力してください。"]


def test_halfwidth_kana_in_furigana_is_normalised():
    assert cleaned(last_name_kana="ﾂｳｶﾝ")["last_name_kana"] == "ツウカン"


def test_hiragana_in_furigana_becomes_katakana():
    assert cleaned(first_name_kana="はなこ")["first_name_kana"] == "ハナコ"


def test_kanji_in_furigana_is_refused():
    assert errors_for(last_name_kana="通関")["last_name_kana"] == ["フリガナ（姓）は全角カナで入力してください。"]


def test_phone_with_fullwidth_digits_hyphens_and_spaces_is_normalised():
    assert cleaned(phone="０３－１２３４ ５６７８")["phone"] == "0312345678"


def test_an_eleven_digit_mobile_number_is_accepted():
    assert cleaned(phone="090-1234-5678")["phone"] == "09012345678"


@pytest.mark.parametrize("value", ["031234567", "031234567890", "03-1234-ABCD", "電話"])
def test_a_phone_number_that_is_not_ten_or_eleven_digits_is_refused(value):
    assert errors_for(phone=value)["phone"] == [
        "電話番号は10桁または11桁の数字で入力してください。（ハイフンは不要です）"
    ]


def test_a_bad_fax_number_is_refused():
    assert errors_for(fax="12345")["fax"] == [f"FAX番号{DIGITS_RULE}"]


def test_an_invalid_email_is_refused():
    assert errors_for(email="taro.naccs.jp")["email"] == [
        "E-mailアドレス（登録用）の形式が正しくありません。（例）taro.tsukan@naccs.jp"
    ]


def test_a_fullwidth_email_is_normalised():
    data = cleaned(email="ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", email_confirm="hanako@example.jp")
    assert data["email"] == "hanako@example.jp"


def test_the_two_emails_must_match():
    assert errors_for(email_confirm="hanako@example.com")["email_confirm"] == [
        "確認用のE-mailアドレスが登録用と一致しません。"
    ]
