"""Password hashing with argon2id; cheap parameters only when a test configuration asks."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_STRONG = PasswordHasher()
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str, fast: bool = False) -> str:
    return (_FAST if fast else _STRONG).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _STRONG.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
