"""`python -m assessor` runs the CLI."""

from assessor.app.cli import main

main()
