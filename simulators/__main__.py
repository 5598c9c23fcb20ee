"""Entry point: `python -m simulators cpp|eventgrid|identity --help`."""

import sys

from simulators.cli import main

sys.exit(main())
