"""Pure rules of enterprise accounts: the way back after signing in stays on this site; activation codes and
mobile numbers are read as people type them."""

from __future__ import annotations

import pytest

from xinyong.enterprise.rules import CODE_ALPHABET, new_code, normalise_code, normalise_mobile, safe_return_path


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example/my",
        "//evil.example/my",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/my\r\nSet-Cookie: x=1",
        "/my\x00",
        "/login?next=/my",
        "/logout",
        "/register/activate",
        "/" + "a" * 600,
    ],
)
def test_anything_but_a_same_site_path_goes_home(value: str | None) -> None:
    assert safe_return_path(value) == "/my"


@pytest.mark.parametrize("value", ["/my", "/my/repair", "/my/repair/3?applied=1", "/entity/91360482MA35XXXX0X", "/"])
def test_same_site_paths_are_kept(value: str) -> None:
    assert safe_return_path(value) == value


def test_codes_are_random_and_read_as_typed() -> None:
    codes = {new_code() for _ in range(50)}
    assert len(codes) == 50
    code = codes.pop()
    assert len(code) == 19 and code.count("-") == 3
    assert all(c in CODE_ALPHABET for c in code.replace("-", ""))
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code(code[:-1]) is None
    assert normalise_code(code.replace(code[0], "0")) is None  # 0 is not in the alphabet (look-alike of O)
    assert normalise_code("x" * 10_000) is None


def test_mobile_numbers() -> None:
    assert normalise_mobile("138 0013 8000") == "13800138000"
    assert normalise_mobile("+8613800138000") == "13800138000"
    assert normalise_mobile("12800138000") is None
    assert normalise_mobile("0792-1234567") is None
