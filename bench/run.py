"""`make bench`: every figure the issues ask for, each beside its target.

Each section runs in its own process so that each gets a fresh database:
    python bench/run.py                 # all sections
    python bench/run.py bench.devices   # one section
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    ["bench.foundation"],
    ["bench.devices"],
    ["bench.adms"],
    ["bench.attendance", "sqlite"],
    ["bench.attendance", "postgres"],
    ["bench.restore_drill"],
    ["bench.attendance_pdf"],
    ["bench.signing"],
    ["bench.transfers"],
    ["bench.exam_finalize"],
    ["bench.exam_load"],
    ["bench.exam_caddy"],
    ["bench.exam_sitting"],
    ["bench.hot_path"],
    ["bench.health"],
    ["bench.punch_chain", "sqlite"],
    ["bench.punch_chain", "postgres"],
    ["bench.evaluation"],
]

if __name__ == "__main__":
    selected = [[m] for m in sys.argv[1:]] or SECTIONS
    failed = 0
    for module, *args in selected:
        print(f"== {module} {' '.join(args)} ==", flush=True)
        failed |= subprocess.call([sys.executable, "-m", module, *args], cwd=ROOT)
    sys.exit(failed)
