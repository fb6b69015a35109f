"""`python -m publish`: the same as the `publish` command."""

from .cli import run

run()
