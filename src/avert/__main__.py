"""``python -m avert`` runs the command line."""

from avert.cli import main

main()
