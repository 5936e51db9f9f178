"""``python -m maturity``: the ``maturity`` command (worker processes started by the command line)."""

from maturity.command import main

main()
