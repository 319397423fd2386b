from naccs.terminals.provisioning import AUTH_CODE_ALPHABET, AUTH_CODE_LENGTH, new_auth_code, typed_auth_code


def test_new_auth_codes_leave_out_look_alikes():
    codes = [new_auth_code() for _ in range(2000)]
    assert all(len(code) == AUTH_CODE_LENGTH for code in codes)
    used = set("".join(codes))
    assert not used & set("O0I1L")
    # Still 31 characters drawn from: 8 of them are 31**8 ≈ 8.5e11 codes.
    assert used <= set(AUTH_CODE_ALPHABET) and len(AUTH_CODE_ALPHABET) == 31


def test_a_typed_code_is_read_without_case_width_or_spaces():
    assert typed_auth_code(" ａｂ\u3000c D ") == "ABCD"
    assert typed_auth_code("NAC0O1I") == "NAC0O1I"  # look-alikes stay what they are
