"""A module whose import never ends (as OpenBLAS's can under a low address-space limit),
for the worker start test."""

import time

while True:
    time.sleep(1)
