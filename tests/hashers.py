from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with minimal cost: the same algorithm and hash format, fast enough for hundreds of test users."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
