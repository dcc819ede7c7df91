"""SM4-GCM field encryption, HMAC-SM3 blind index, and known answers proving the primitives are real."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from xinyong.core.config import DEV_BLIND_INDEX_KEY, DEV_FIELD_KEY, get_settings
from xinyong.core.crypto import (
    TOKEN_PREFIX,
    BlindIndex,
    DecryptionError,
    FieldCipher,
    get_blind_index,
    get_cipher,
    is_token,
    key_id_for,
    sm3_hex,
    token_length,
)

KEY_A = "0123456789abcdeffedcba9876543210"
KEY_B = "00112233445566778899aabbccddeeff"
BLIND_A = "aa" * 32
BLIND_B = "bb" * 32
CTX = "persons.id_number"
KID_A = key_id_for(KEY_A)
ID_NUMBER = "360429199001011234"


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(KEY_A)


@pytest.fixture
def blind() -> BlindIndex:
    return BlindIndex(BLIND_A)


def _payload(token: str) -> bytes:
    text = token.rsplit(":", 1)[1]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _with_payload(token: str, raw: bytes) -> str:
    head = token.rsplit(":", 1)[0]
    return f"{head}:{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


# --- known answers --------------------------------------------------------------------------------


def test_sm4_known_answer_gbt_32907() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_known_answer_rfc_8998() -> None:
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plain) + encryptor.finalize()
    assert ciphertext.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    assert encryptor.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


def test_sm3_known_answer() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


# --- field cipher ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    [
        ID_NUMBER,
        "",
        "张三",
        "江西省九江市共青城市茶山街道青年大道1号",
        "emoji 🚀 and NUL \x00 ok",
        " padded ",
    ],
)
def test_round_trip(cipher: FieldCipher, plaintext: str) -> None:
    token = cipher.encrypt(plaintext, context=CTX)
    assert is_token(token)
    assert token.startswith(f"{TOKEN_PREFIX}{cipher.key_id}:")
    assert plaintext not in token or plaintext == ""
    assert cipher.decrypt(token, context=CTX) == plaintext


def test_token_is_short_and_sized_by_token_length(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, context=CTX)
    assert len(token) == token_length(18) <= 90
    chinese = "江西省九江市"
    assert len(cipher.encrypt(chinese, context=CTX)) == token_length(len(chinese.encode()))
    assert len(cipher.encrypt("", context=CTX)) == token_length(0)


def test_nonce_is_random(cipher: FieldCipher) -> None:
    tokens = {cipher.encrypt(ID_NUMBER, context=CTX) for _ in range(200)}
    assert len(tokens) == 200
    nonces = {_payload(token)[:12] for token in tokens}
    assert len(nonces) == 200


def test_wrong_context_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, context=CTX)
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="persons.phone")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context="")


def test_wrong_key_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, context=CTX)
    with pytest.raises(DecryptionError, match="no field key"):
        FieldCipher(KEY_B).decrypt(token, context=CTX)


@pytest.mark.parametrize("where", [0, 11, 12, 20, -16, -1])  # nonce, ciphertext, tag
def test_flipped_bit_fails(cipher: FieldCipher, where: int) -> None:
    token = cipher.encrypt(ID_NUMBER, context=CTX)
    raw = bytearray(_payload(token))
    raw[where] ^= 0x01
    with pytest.raises(DecryptionError):
        cipher.decrypt(_with_payload(token, bytes(raw)), context=CTX)


def test_truncated_or_extended_payload_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, context=CTX)
    raw = _payload(token)
    for changed in (raw[:-1], raw + b"\x00", raw[:28], raw[:27], b""):
        with pytest.raises(DecryptionError):
            cipher.decrypt(_with_payload(token, changed), context=CTX)


def test_relabelled_key_id_fails() -> None:
    old, new = FieldCipher(KEY_A), FieldCipher(KEY_B, old_keys=[KEY_A])
    token = old.encrypt(ID_NUMBER, context=CTX)
    relabelled = token.replace(old.key_id, new.key_id, 1)
    with pytest.raises(DecryptionError):
        new.decrypt(relabelled, context=CTX)


@pytest.mark.parametrize(
    "token",
    [
        "",
        ID_NUMBER,
        f"sm4gcm:v2:{KID_A}:" + "A" * 60,
        "sm4gcm:v1:",
        f"sm4gcm:v1:{KID_A}",
        f"sm4gcm:v1:{KID_A.upper()}:" + "A" * 60,
        f"sm4gcm:v1:{KID_A[:7]}:" + "A" * 60,
        f"sm4gcm:v1:{KID_A}:" + "A" * 59 + "!",
        f"sm4gcm:v1:{KID_A}:" + "A" * 59 + "=",
        f"sm4gcm:v1:{KID_A}:" + "A" * 61,
        f"sm4gcm:v1:{KID_A}:" + "A" * 60,
        f"sm4gcm:v1:{KID_A}:" + "A" * 36,
        f"sm4gcm:v1:{KID_A}:",
        f"sm4gcm:v1:{KID_A}:" + "A\n" * 30,
    ],
)
def test_malformed_tokens_raise_decryption_error(cipher: FieldCipher, token: str) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, context=CTX)


def test_non_base64_characters_are_not_silently_dropped(cipher: FieldCipher) -> None:
    token = cipher.encrypt(ID_NUMBER, context=CTX)
    head, payload = token.rsplit(":", 1)
    with pytest.raises(DecryptionError):
        cipher.decrypt(f"{head}:{payload[:10]}.{payload[10:]}", context=CTX)


def test_decryption_error_is_a_fault_not_a_refusal() -> None:
    from xinyong.core.errors import XinyongError

    assert not issubclass(DecryptionError, XinyongError)


def test_key_rotation() -> None:
    old = FieldCipher(KEY_A)
    old_token = old.encrypt(ID_NUMBER, context=CTX)

    rotated = FieldCipher(KEY_B, old_keys=[KEY_A])
    assert rotated.key_id == key_id_for(KEY_B) != old.key_id
    assert rotated.key_ids == {key_id_for(KEY_A), key_id_for(KEY_B)}
    assert rotated.decrypt(old_token, context=CTX) == ID_NUMBER

    new_token = rotated.encrypt(ID_NUMBER, context=CTX)
    assert rotated.token_key_id(new_token) == rotated.key_id
    assert rotated.needs_rotation(old_token)
    assert not rotated.needs_rotation(new_token)

    re_encrypted = rotated.rotate(old_token, context=CTX)
    assert rotated.token_key_id(re_encrypted) == rotated.key_id
    assert rotated.decrypt(re_encrypted, context=CTX) == ID_NUMBER
    assert rotated.rotate(new_token, context=CTX) == new_token

    # Once the old key is dropped, old tokens no longer decrypt; new ones do.
    retired = FieldCipher(KEY_B)
    with pytest.raises(DecryptionError):
        retired.decrypt(old_token, context=CTX)
    assert retired.decrypt(new_token, context=CTX) == ID_NUMBER


def test_keys_as_bytes_or_hex_are_the_same() -> None:
    token = FieldCipher(bytes.fromhex(KEY_A)).encrypt("x", context=CTX)
    assert FieldCipher(KEY_A).decrypt(token, context=CTX) == "x"
    assert key_id_for(KEY_A) == key_id_for(bytes.fromhex(KEY_A))
    assert len(key_id_for(KEY_A)) == 8


@pytest.mark.parametrize("bad", ["00" * 15, "00" * 17, "00" * 32, "not hex at all", ""])
def test_bad_field_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="field key"):
        FieldCipher(bad)


def test_duplicate_keys() -> None:
    # repeats of the same key are harmless: one key each, and tokens of either key still open
    old_b = FieldCipher(KEY_B).encrypt("甲", context=CTX)
    cipher = FieldCipher(KEY_A, old_keys=[KEY_A, KEY_B, KEY_B])
    assert cipher.key_ids == {KID_A, key_id_for(KEY_B)}
    assert cipher.key_id == KID_A
    assert cipher.decrypt(old_b, context=CTX) == "甲"
    assert cipher.decrypt(cipher.encrypt("乙", context=CTX), context=CTX) == "乙"


def test_repr_hides_keys(cipher: FieldCipher, blind: BlindIndex) -> None:
    assert KEY_A not in repr(cipher)
    assert BLIND_A not in repr(blind)


def test_optional_helpers(cipher: FieldCipher, blind: BlindIndex) -> None:
    assert cipher.encrypt_optional(None, context=CTX) is None
    assert cipher.decrypt_optional(None, context=CTX) is None
    token = cipher.encrypt_optional("", context=CTX)
    assert token is not None
    assert cipher.decrypt_optional(token, context=CTX) == ""
    assert blind.digest_optional(None, context=CTX) is None
    assert blind.digest_optional("   ", context=CTX) is None
    assert blind.digest_optional(" abc ", context=CTX) == blind.digest("ABC", context=CTX)


def test_one_megabyte_value(cipher: FieldCipher, blind: BlindIndex) -> None:
    big = "共青城" * 350_000  # ~1 M characters, ~3 MB of UTF-8
    token = cipher.encrypt(big, context=CTX)
    assert cipher.decrypt(token, context=CTX) == big
    assert len(blind.digest(big, context=CTX)) == 64


# --- blind index ----------------------------------------------------------------------------------


def test_blind_index_is_deterministic_hex(blind: BlindIndex) -> None:
    first = blind.digest(ID_NUMBER, context=CTX)
    assert first == blind.digest(ID_NUMBER, context=CTX)
    assert first == BlindIndex(BLIND_A).digest(ID_NUMBER, context=CTX)
    assert len(first) == 64
    assert int(first, 16) >= 0
    assert first != blind.digest("360429199001011235", context=CTX)


def test_blind_index_normalises_by_default(blind: BlindIndex) -> None:
    upper = blind.digest("36042919900101123X", context=CTX)
    assert blind.digest(" 36042919900101123x\n", context=CTX) == upper
    assert blind.digest("３６０４２９１９９００１０１１２３ｘ", context=CTX) == upper  # full-width input


def test_blind_index_custom_normaliser(blind: BlindIndex) -> None:
    def digits_only(value: str) -> str:
        return "".join(ch for ch in value if ch.isdigit())

    assert blind.digest("138-1234-5678", context="persons.phone", normalise=digits_only) == blind.digest(
        "13812345678", context="persons.phone"
    )
    assert blind.digest("Abc", context=CTX, normalise=str) != blind.digest("abc", context=CTX, normalise=str)


def test_blind_index_is_context_separated(blind: BlindIndex) -> None:
    a = blind.digest(ID_NUMBER, context="persons.id_number")
    b = blind.digest(ID_NUMBER, context="legal_reps.id_number")
    assert a != b
    # No ambiguity between where the context ends and the value begins.
    assert blind.digest("b", context="a") != blind.digest("", context="ab")


def test_blind_index_is_key_separated(blind: BlindIndex) -> None:
    assert blind.digest(ID_NUMBER, context=CTX) != BlindIndex(BLIND_B).digest(ID_NUMBER, context=CTX)


def test_blind_index_is_not_a_plain_hash(blind: BlindIndex) -> None:
    digest = blind.digest(ID_NUMBER, context=CTX)
    assert digest != sm3_hex(ID_NUMBER.encode())
    assert digest != sm3_hex((CTX + ID_NUMBER).encode())


@pytest.mark.parametrize("bad", ["00" * 31, "zz" * 32, ""])
def test_bad_blind_index_keys_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="blind index key"):
        BlindIndex(bad)


# --- from settings --------------------------------------------------------------------------------


def test_get_cipher_and_blind_index_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_FIELD_KEY", KEY_A)
    monkeypatch.setenv("XINYONG_BLIND_INDEX_KEY", BLIND_A)
    get_settings.cache_clear()
    get_cipher.cache_clear()
    get_blind_index.cache_clear()
    try:
        assert get_cipher() is get_cipher()
        assert get_cipher().key_id == key_id_for(KEY_A)
        assert get_blind_index() is get_blind_index()
        assert get_blind_index().digest("x", context=CTX) == BlindIndex(BLIND_A).digest("x", context=CTX)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_cipher.cache_clear()
        get_blind_index.cache_clear()
    # The development defaults are valid keys.
    assert FieldCipher(DEV_FIELD_KEY).key_id == key_id_for(DEV_FIELD_KEY)
    assert len(BlindIndex(DEV_BLIND_INDEX_KEY).digest("x", context=CTX)) == 64
