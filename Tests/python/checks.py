"""The check that the Python test clients share: a failed check exits non-zero naming what failed;
`count` is how many passed, for the last line a client prints."""
import sys

count = 0


def check(condition, what):
    global count
    if not condition:
        sys.exit(f"FAILED: {what}")
    count += 1
