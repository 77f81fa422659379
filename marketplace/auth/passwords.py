"""Password hashing with argon2id, tuned by configuration; digests of random tokens."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128

#: Every password of at least MIN_LENGTH characters among the 30,000 most common ones in leaked
#: password sets (zxcvbn's list, MIT licence), lower-cased, one a line; gzipped as Django ships its
#: own. Read once, on the first password check.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")

#: Passwords that are refused whatever their length (the most common ones that pass MIN_LENGTH).
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "0987654321",
        "qwertyuiop",
        "1q2w3e4r5t",
        "password12",
        "password123",
        "password1234",
        "qwerty1234",
        "qwerty12345",
        "iloveyou12",
        "abcdefghij",
        "abc1234567",
        "aa12345678",
        "1234qwer!@",
        "passw0rd12",
        "princess12",
        "football12",
        "letmein123",
        "welcome123",
        "admin12345",
        "kesher1234",
        "shalom1234",
        "shalom12345",
        "israel1234",
        "israel12345",
        "1234512345",
        "5555555555",
        "0000000000",
        "9999999999",
        "asdfghjkl1",
        "zxcvbnm123",
        "qazwsxedc1",
        "123qweasdzxc",
    }
)


@cache
def common_passwords() -> frozenset[str]:
    """The refused common passwords: the shipped list and the hand-picked local ones above."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        shipped = {line.strip() for line in lines if line.strip()}
    return frozenset(shipped | COMMON_PASSWORDS)


def token_digest(value: str) -> str:
    """The SHA-256 hex digest a random token is stored and looked up by (login sessions, API
    tokens): the token has its own entropy, so a fast hash suffices, unlike a password."""
    return hashlib.sha256(value.encode()).hexdigest()


def make_hasher(config: Mapping[str, Any]) -> PasswordHasher:
    """Build the argon2id hasher from the ARGON2_* settings."""
    return PasswordHasher(
        time_cost=int(config["ARGON2_TIME_COST"]),
        memory_cost=int(config["ARGON2_MEMORY_COST"]),
        parallelism=int(config["ARGON2_PARALLELISM"]),
        type=Type.ID,
    )


def verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash`, never raising on a bad hash."""
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def problems(password: str, *, email: str = "") -> list[str]:
    """Return the reasons (as message ids) why a new password is refused; empty when fine."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append("too_short")
    if len(password) > MAX_LENGTH:
        found.append("too_long")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) <= 2:
        found.append("too_common")
    if email and lowered == email.lower():
        found.append("is_email")
    return found
