"""`make bench`: every figure the issues ask for, each beside its target.

Each section runs in its own process so that each gets a fresh database.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["bench.foundation", "bench.devices", "bench.adms"]

if __name__ == "__main__":
    selected = sys.argv[1:] or SECTIONS
    failed = 0
    for module in selected:
        print(f"== {module} ==", flush=True)
        failed |= subprocess.call([sys.executable, "-m", module], cwd=ROOT)
    sys.exit(failed)
