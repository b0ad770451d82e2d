"""``python -m validation`` runs the ``synmi`` command line."""

import sys

from validation.cli import main

sys.exit(main())
