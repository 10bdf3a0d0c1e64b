#!/usr/bin/env python3
"""Runs a command and reports the CPU time of its threads (all its processes), read from /proc every 5 ms.

    thread_cpu.py OUT_FILE CMD [ARGS...]

Writes two lines to OUT_FILE: every thread's CPU over the whole run, and over the working window only, from when
the worker threads (names starting with "instance" or "engine-alone") first reach 30 ms of CPU to the end, which
leaves JVM start, model load and warm-up before it out. Threads of one name (numbers stripped) are summed. The
command's own output and exit status pass through. Linux only; the last poll before a thread ends is what counts,
so a figure may be up to 5 ms short.
"""
import collections
import os
import subprocess
import sys
import time

WORKERS = ("instance", "engine-alone")


def tasks(pid):
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def family(pid):
    out = [pid]
    for t in tasks(pid):
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                for child in f.read().split():
                    out += family(int(child))
        except OSError:
            pass
    return out


def main():
    out_file, cmd = sys.argv[1], sys.argv[2:]
    hz = os.sysconf("SC_CLK_TCK")
    proc = subprocess.Popen(cmd)
    last = {}
    start = None
    while proc.poll() is None:
        for pid in family(proc.pid):
            for t in tasks(pid):
                try:
                    with open(f"/proc/{pid}/task/{t}/stat") as f:
                        stat = f.read()
                except OSError:
                    continue
                name = stat[stat.index("(") + 1:stat.rindex(")")].rstrip("0123456789#-")
                fields = stat[stat.rindex(")") + 2:].split()
                last[(pid, t)] = (name, int(fields[11]) + int(fields[12]))
        if start is None and sum(v for n, v in last.values() if n.startswith(WORKERS)) / hz > 0.03:
            start = dict(last)
        time.sleep(0.005)

    def line(title, base):
        by_name = collections.defaultdict(float)
        for key, (name, ticks) in last.items():
            by_name[name] += (ticks - (base.get(key, (name, 0))[1] if base else 0)) / hz
        shown = ", ".join(f"{n} {s:.2f}" for n, s in sorted(by_name.items(), key=lambda x: -x[1]) if s >= 0.02)
        return f"{title}: total {sum(by_name.values()):.2f} s ({shown})"

    with open(out_file, "w") as f:
        f.write(line("thread cpu, whole run", None) + "\n")
        f.write(line("thread cpu, working window", start or {}) + "\n")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
