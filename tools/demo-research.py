# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""`make demo`'s Python program: two threads calling re.search a few times a
second, as the seed's monitored program does, until it is killed. Prints its
PID once it runs."""
import os
import re
import threading
import time

TEXTS = ["caaat", "abc", "the rain in spain", "aaa-bbb"]


def worker(patterns):
    while True:
        for p in patterns:
            for t in TEXTS:
                re.search(p, t)
        time.sleep(0.2)


print(os.getpid(), flush=True)
for ps in (["a+", "zz"], [r"(\w+) in", "b{2,}"]):
    threading.Thread(target=worker, args=(ps,), daemon=True).start()
while True:
    time.sleep(1)
