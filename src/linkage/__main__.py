"""``python -m linkage``: the same as the ``linkage`` command."""

from linkage.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
