"""`python -m easynas ...` runs the `easynas` command line (see `easynas.cli`)."""

from easynas.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
