#!/usr/bin/env python3
"""Bytes allocated per request in a JFR recording of a measured run, by thread and by allocation site.

    python3 benchmarks/report/jfr_alloc.py RECORDING.jfr --requests N [--jfr PATH_TO_jfr] [--sites K]

N is the number of requests the server answered while it recorded (`benchmarks/transport --jfr-grpc` writes it to
results.txt beside the recording). Per thread (numbered threads folded, as jfr_threads.py does): what the thread
allocated over the recording, exact, from jdk.ThreadAllocationStatistics (the last value of each thread minus its
first; a thread started during the recording counts from 0), divided by N. Per site: jdk.ObjectAllocationSample's
weights (JFR's estimate of the bytes each sample stands for), summed by the allocated class and the first frame
outside java.*/jdk.* (the code that asked), divided by N; and
summed by the first io.tensorline frame on the stack (the server code an allocation happened under, whoever's
code allocated). Stacks are read 24 frames deep. Python 3 standard library only.
"""
import collections
import json
import re
import subprocess
import sys


def events(jfr, recording, name):
    out = subprocess.run([jfr, "print", "--json", "--stack-depth", "24", "--events", name, recording],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def thread_name(t):
    return re.sub(r"-\d+$", "-N", (t or {}).get("javaName") or (t or {}).get("osName") or "?")


def site(trace):
    frames = (trace or {}).get("frames") or []
    for f in frames:
        owner = f["method"]["type"]["name"].replace("/", ".")
        if not owner.startswith(("java.", "jdk.", "sun.")):
            return owner + "." + f["method"]["name"]
    if frames:
        m = frames[0]["method"]
        return m["type"]["name"].replace("/", ".") + "." + m["name"]
    return "?"


def ours(trace):
    """The first io.tensorline frame of the stack outside the generated protos (the server code behind it)."""
    for f in (trace or {}).get("frames") or []:
        owner = f["method"]["type"]["name"].replace("/", ".")
        if owner.startswith("io.tensorline.") and not owner.startswith("io.tensorline.proto."):
            return owner.removeprefix("io.tensorline.") + "." + f["method"]["name"]
    return "(no Tensorline frame: transport, JDK, JIT)"


def main(argv):
    args = argv[1:]
    opts = {"--jfr": "jfr", "--requests": None, "--sites": "15"}
    for key in list(opts):
        if key in args:
            i = args.index(key)
            opts[key] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 1 or opts["--requests"] is None:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    requests = int(opts["--requests"])
    jfr, recording = opts["--jfr"], args[0]

    first, last, seen = {}, {}, collections.Counter()
    for e in events(jfr, recording, "jdk.ThreadAllocationStatistics"):
        v = e["values"]
        key = (v["thread"] or {}).get("javaThreadId"), thread_name(v["thread"])
        first.setdefault(key, v["allocated"])
        last[key] = v["allocated"]
        seen[key] += 1
    by_thread = collections.Counter()
    for key, value in last.items():
        by_thread[key[1]] += value - (first[key] if seen[key] > 1 else 0)
    total = sum(by_thread.values())
    print(f"{requests} requests; {total / requests:,.0f} bytes allocated per request (all threads)")
    for name, n in by_thread.most_common(8):
        if n:
            print(f"{n / requests:12,.0f} B/request {100 * n / max(1, total):5.1f}%  {name}")

    sites, callers = collections.Counter(), collections.Counter()
    for e in events(jfr, recording, "jdk.ObjectAllocationSample"):
        v = e["values"]
        cls = v["objectClass"]["name"].replace("/", ".")
        sites[(site(v.get("stackTrace")), cls, thread_name(v["eventThread"]))] += v["weight"]
        callers[ours(v.get("stackTrace"))] += v["weight"]
    sampled = sum(sites.values())
    print(f"sampled allocation: {sampled / requests:,.0f} bytes per request; top sites (asking frame, class, thread)")
    for (frame, cls, thread), w in sites.most_common(int(opts["--sites"])):
        print(f"{w / requests:12,.1f} B/request {100 * w / max(1, sampled):5.1f}%  {frame}  {cls}  [{thread}]")
    print("by the first Tensorline frame on the stack (the server code the allocation happened under)")
    for frame, w in callers.most_common(int(opts["--sites"])):
        print(f"{w / requests:12,.1f} B/request {100 * w / max(1, sampled):5.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
