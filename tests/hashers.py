from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2 (the algorithm production uses), with parameters cheap enough for a test suite."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
