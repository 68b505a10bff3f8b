"""``python -m handpose.web --port 8000 ...``: the same as ``handpose serve ...``."""

import sys

from ..cli.serve import main

sys.exit(main())
