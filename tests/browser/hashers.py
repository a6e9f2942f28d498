from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Writes `pbkdf2_sha256$1$…`: the production hasher verifies it (the iteration count
    is part of the hash) in microseconds; test users only, never a setting."""

    iterations = 1
