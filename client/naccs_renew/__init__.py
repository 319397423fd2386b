"""naccs-renew: renews a NACCS terminal's certificate over EST before it expires (the terminal-side client)."""

__version__ = "0.1.0"
