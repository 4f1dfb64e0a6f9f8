"""Tests of the Python modules under scripts/lib that the shell scripts call (scripts/test
runs them). The modules are imported from scripts/lib, as the scripts run them."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "lib"))
