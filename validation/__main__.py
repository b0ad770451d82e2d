"""``python -m synmi.validation`` runs the ``synmi`` command line."""

import sys

from synmi.validation.cli import main

sys.exit(main())
