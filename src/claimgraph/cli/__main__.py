"""``python -m claimgraph.cli``: the command line."""

from . import main

main()
