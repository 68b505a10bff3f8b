"""``python -m handpose.cli ...``: the same as the ``handpose`` console script."""

import sys

from . import console_main

sys.exit(console_main())
