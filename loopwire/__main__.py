from __future__ import annotations

import sys

from loopwire.cli import main

sys.exit(main())
