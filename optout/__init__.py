"""optout: switch off AI training on your accounts and prove it stuck."""

__version__ = "0.1.0"
