"""Runs one command and reports what its whole process tree cost, as `key=value` lines.

Usage: python3 scripts/lib/measure-tree.py OUT CMD [ARG...]

wall_s      wall time
cpu_s       user + system CPU of every descendant that was waited for (RUSAGE_CHILDREN:
            Terraform waits for its provider plug-ins, tfpromote for Terraform)
write_bytes bytes the tree caused to be written to storage (/proc/self/io: the kernel adds a
            reaped child's I/O counters to its parent's, so this process ends up holding the
            sum over the tree), minus what was deleted before it reached the disk
maxrss_kb   peak resident set of the largest single process in the tree
status      the command's exit status (also this script's)
Standard output and error of the command pass through.
"""

import resource
import subprocess
import sys
import time


def written() -> int:
    """Storage bytes written by this process and its reaped descendants so far."""
    fields = {}
    with open("/proc/self/io") as io:
        for line in io:
            key, value = line.split(":")
            fields[key] = int(value)
    return fields["write_bytes"] - fields["cancelled_write_bytes"]


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    before = written()
    started = time.monotonic()
    status = subprocess.call(command)
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write(f"wall_s={wall:.3f}\n")
        f.write(f"cpu_s={usage.ru_utime + usage.ru_stime:.3f}\n")
        f.write(f"write_bytes={max(written() - before, 0)}\n")
        f.write(f"maxrss_kb={usage.ru_maxrss}\n")
        f.write(f"status={status}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
