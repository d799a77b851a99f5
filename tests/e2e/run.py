#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""End-to-end tests for wrapmon-trace: `run.py [--out build] [-k NAME] [--area AREA]`.

One file per feature area, tests/e2e/test_AREA.py, run in this order; the
harness (targets, tracer, checks) is tests/e2e/harness.py.
"""
import sys

# No __pycache__ in the source tree (the suite runs as root).
sys.dont_write_bytecode = True

from harness import main  # noqa: E402

AREAS = ["basics", "probe", "lifecycle", "safety", "output", "summary", "types", "filters",
         "symbols", "names", "metrics", "cli", "store", "returns", "go", "launch",
         "errno", "pyvalue", "objects", "tree", "protos", "python"]

if __name__ == "__main__":
    sys.exit(main(AREAS))
