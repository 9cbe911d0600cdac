"""``python -m codex_gateway_contracts.report``."""

import sys

from . import main

sys.exit(main())
