"""Password rules and argon2id hashing."""

from argon2 import PasswordHasher

from marketplace.auth import passwords


def test_short_common_and_email_passwords_are_refused_with_their_reason() -> None:
    assert passwords.problems("short") == ["too_short"]
    assert "too_common" in passwords.problems("1234567890")
    assert "too_common" in passwords.problems("aaaaaaaaaaaa")
    assert passwords.problems("dana@example.com", email="Dana@Example.com") == ["is_email"]
    assert passwords.problems("x" * 129 + "yz") == ["too_long"]
    assert passwords.problems("a fine long passphrase") == []


def test_hashes_are_argon2id_with_the_configured_parameters() -> None:
    hasher = passwords.make_hasher(
        {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 19 * 1024, "ARGON2_PARALLELISM": 1}
    )
    hashed = hasher.hash("a fine long passphrase")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify(hasher, hashed, "a fine long passphrase")
    assert not passwords.verify(hasher, hashed, "another passphrase")
    assert not passwords.verify(hasher, "not-a-hash", "anything")


def test_production_defaults_meet_owasp_minimums() -> None:
    from marketplace.config import DEFAULTS

    hasher: PasswordHasher = passwords.make_hasher(DEFAULTS)
    # OWASP Password Storage: argon2id with m >= 19 MiB, t >= 2, p = 1.
    assert hasher.memory_cost >= 19 * 1024
    assert hasher.time_cost >= 2


def test_thousands_of_leaked_passwords_long_enough_to_pass_the_length_rule_are_refused() -> None:
    # The 36 hand-picked ones let "1qaz2wsx3edc", "q1w2e3r4t5" and "manchester" through: the
    # shipped list holds every password of at least 10 characters among the 30,000 most common.
    for leaked in ("1qaz2wsx3edc", "q1w2e3r4t5", "manchester", "Terminator", "qazwsxedcrfv"):
        assert passwords.problems(leaked) == ["too_common"], leaked
    assert len(passwords.common_passwords()) > 1_000
    assert all(len(p) >= passwords.MIN_LENGTH for p in passwords.common_passwords())
