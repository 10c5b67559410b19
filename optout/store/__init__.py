"""What optout keeps on disk and in the keyring: credentials, sessions, config, history."""

# The account name used when a person has one account on a platform.
DEFAULT_ACCOUNT = "default"
