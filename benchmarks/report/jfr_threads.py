#!/usr/bin/env python3
"""Where a JFR recording's CPU samples fall, by thread (numbered threads folded) and, per thread, by top frame.

    python3 benchmarks/report/jfr_threads.py RECORDING.jfr [--jfr PATH_TO_jfr]

Reads jdk.ExecutionSample through `jfr print --json` (the JDK's own tool; JDK 25's also has `jfr view hot-methods`
and `jfr view allocation-by-site`). Execution samples see only threads running Java code: a parked thread costs
nothing here, a spinning one does. Python 3 standard library only.
"""
import collections
import json
import re
import subprocess
import sys


def main(argv):
    args = argv[1:]
    jfr = "jfr"
    if "--jfr" in args:
        i = args.index("--jfr")
        jfr = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = subprocess.run([jfr, "print", "--json", "--events", "jdk.ExecutionSample", args[0]],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    threads = collections.Counter()
    tops = collections.defaultdict(collections.Counter)
    for e in events:
        t = e["values"]["sampledThread"]
        name = re.sub(r"-\d+$", "-N", t["javaName"] or t["osName"] or "?")
        threads[name] += 1
        trace = e["values"]["stackTrace"]
        if trace and trace["frames"]:
            m = trace["frames"][0]["method"]
            tops[name][m["type"]["name"].replace("/", ".") + "." + m["name"]] += 1
    total = max(1, len(events))
    print(f"{len(events)} execution samples")
    for name, n in threads.most_common(10):
        print(f"{n:6d} {100 * n / total:5.1f}%  {name}")
        for frame, k in tops[name].most_common(3):
            print(f"{'':14}{k:5d}  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
