"""Suite-wide test settings."""


def pytest_configure(config):
    from django.conf import settings

    # Real argon2 hashes, at a cost that lets every test create its own accounts.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher",
                                 *[h for h in settings.PASSWORD_HASHERS if "Argon2" not in h]]
