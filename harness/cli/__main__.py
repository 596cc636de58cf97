"""`python -m harness.cli`, as `python -m harness` and the `harness` script."""

from harness.cli import main

main()
