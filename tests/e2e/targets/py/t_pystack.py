# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Target for test_python.py: `t_pystack.py LOG`, a traced function (leaf)
reached through two Python levels and from C (sorted's key). Each call logs
its own call chain as traceback.extract_stack() sees it, caller first: one
line "x=X NAME:LINE NAME:LINE ..." a call."""
import os
import sys
import time
import traceback

LOG = open(sys.argv[1], "w")


def leaf(x):
    chain = traceback.extract_stack()[:-1]
    LOG.write(f"x={x} " + " ".join(f"{f.name}:{f.lineno}" for f in reversed(chain)) + "\n")
    LOG.flush()
    return x


def mid(x):
    return leaf(x) + 1


def top(x):
    return mid(x) * 2


def through_c():
    return sorted([30, 10, 20], key=leaf)


def main():
    top(1)
    through_c()


print("ready", os.getpid(), flush=True)
sys.stdin.readline()
main()
sys.stdin.read()
# Frames that began before the tracer attached (main, <module>) are named from
# this process's memory when their records are read: stay a moment for that.
time.sleep(0.3)
