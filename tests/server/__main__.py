"""python3 -m tests.server [--port 0] [--ready-file F] ... (see wbserver.py)."""
import sys

from .wbserver import main

sys.exit(main())
