"""``python -m bot``: the same as ``citebot run``."""

import sys

from cli.main import main

raise SystemExit(main(["run", *sys.argv[1:]]))
