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
