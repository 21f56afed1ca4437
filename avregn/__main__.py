"""``python -m avregn``: the same as the ``avregn`` command."""

import sys

from avregn.cli import main

sys.exit(main())
