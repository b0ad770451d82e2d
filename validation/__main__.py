"""``python -m synmi.validation`` runs the ``synmi`` command line."""

import sys

from .cli import main

sys.exit(main())
