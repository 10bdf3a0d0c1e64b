#!/usr/bin/env python3
"""Turns one run of benchmarks/run-all into docs/performance.md (printed on stdout).

    python3 benchmarks/report/make_report.py build/bench/<timestamp> > docs/performance.md

Reads, from the run directory: machine.env, commands.txt, notes.txt, loadavg.txt, perf/<id>.csv and perf/<id>.log
(tensorline perf: the CSV has perf_analyzer's columns; the log adds the client's average latency, the server's own
overhead and the inference/execution counts of the measured windows), stats/<model>.json (GET /v2/models/<m>/stats
after the model's runs) and jmh/<id>.json (+ .log). Python 3 standard library only. A figure that is missing (a run
skipped or failed) is printed as "not measured" and its goal as not evaluated; nothing is made up.
"""

import csv
import json
import math
import re
import sys
from pathlib import Path

ECHO_CONCURRENCY = (1, 8, 64)
SIM_CONCURRENCY = (1, 8, 64, 256)
SIM_DELAY_US, SIM_PER_ROW_US, SIM_MAX_BATCH = 2000, 20, 64
TINY_SATURATING = 64
RESNET_SATURATING = 4


# ---------------------------------------------------------------------------------------------------------------------
# Reading the raw results
# ---------------------------------------------------------------------------------------------------------------------

class Perf:
    """One tensorline perf invocation (one load level): its CSV row plus what only its log says."""

    def __init__(self, ident, row, log):
        self.id = ident
        self.row = row
        self.log = log

    def col(self, name):
        value = self.row.get(name, "")
        return float(value) if value not in ("", None) else None

    @property
    def rows_per_s(self):
        return self.col("Inferences/Second")

    @property
    def stable(self):
        return self.row.get("Stable", "yes") == "yes"

    def _match(self, pattern):
        m = re.search(pattern, self.log, re.MULTILINE)
        return m

    @property
    def avg_latency_us(self):
        m = self._match(r"^\s+Avg latency: (\d+) usec \(send")
        return float(m.group(1)) if m else None

    @property
    def server_request_us(self):
        m = self._match(r"^\s+Avg request latency: (\d+) usec \(overhead (\d+)")
        return float(m.group(1)) if m else None

    @property
    def server_overhead_us(self):
        m = self._match(r"^\s+Avg request latency: (\d+) usec \(overhead (\d+)")
        return float(m.group(2)) if m else None

    @property
    def mean_batch(self):
        m = self._match(r"^\s+Inference count: (\d+), execution count: (\d+)")
        if not m or int(m.group(2)) == 0:
            return None
        return int(m.group(1)) / int(m.group(2))

    @property
    def busy(self):
        """Fraction of the time the (single) instance was executing: executions/s x compute per execution."""
        rows, mean, infer = self.rows_per_s, self.mean_batch, self.col("Server Compute Infer")
        if not rows or not mean or infer is None:
            return None
        return rows / mean * infer / 1e6

    @property
    def compute_us(self):
        parts = [self.col(c) for c in ("Server Compute Input", "Server Compute Infer", "Server Compute Output")]
        return sum(parts) if all(p is not None for p in parts) else None


def duration_us(text):
    """'152us', '1.13ms', '2.5s' as microseconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]


class LoadGen:
    """One h2load or wrk run: requests/s, mean and p50 latency, and how many answers were not 2xx."""

    def __init__(self, text):
        self.text = text
        self.rps = self.mean_us = self.p50_us = None
        self.errors = 0
        m = re.search(r"finished in [\d.]+s, ([\d.]+) req/s", text)  # h2load
        if m:
            self.rps = float(m.group(1))
            t = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", text)
            self.mean_us = duration_us(t.group(3)) if t else None
            st = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
            self.errors = sum(int(x) for x in st.groups()[1:]) if st else 0
            e = re.search(r"requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed, (\d+) errored",
                          text)
            self.errors += sum(int(x) for x in e.groups()) if e else 0
        m = re.search(r"Requests/sec:\s+([\d.]+)", text)  # wrk
        if m:
            self.rps = float(m.group(1))
            t = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", text)
            self.mean_us = duration_us(t.group(1)) if t else None
            q = re.search(r"^\s+50%\s+(\S+)", text, re.MULTILINE)
            self.p50_us = duration_us(q.group(1)) if q else None
            e = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
            self.errors = int(e.group(1)) if e else 0
            so = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
            self.errors += sum(int(x) for x in so.groups()) if so else 0


class Run:
    def __init__(self, directory):
        self.dir = Path(directory)
        self.env = self._env()
        self.commands = self._lines("commands.txt")
        self.notes = self._lines("notes.txt")
        self.load_samples = [(int(t), float(v)) for t, v in
                             (line.split() for line in self._lines("loadavg.txt") if len(line.split()) == 2)]
        self.load = [v for _, v in self.load_samples]
        self.timings = {}
        for line in self._lines("timings.txt"):
            parts = line.split()
            if len(parts) == 4:
                self.timings[(parts[0], parts[1])] = (int(parts[2]), int(parts[3]))
        self.perf = {}
        for path in sorted((self.dir / "perf").glob("*.csv")):
            with path.open(newline="") as f:
                rows = list(csv.DictReader(f))
            if rows:
                log_path = path.with_suffix(".log")
                log = log_path.read_text(errors="replace") if log_path.exists() else ""
                self.perf[path.stem] = Perf(path.stem, rows[0], log)
        self.loadgen = {path.stem: LoadGen(path.read_text(errors="replace"))
                        for path in sorted((self.dir / "perf").glob("*.txt"))}
        self.jmh = {}
        for path in sorted((self.dir / "jmh").glob("*.json")):
            try:
                self.jmh[path.stem] = json.loads(path.read_text())
            except ValueError:
                pass
        self.stats = {}
        for path in sorted((self.dir / "stats").glob("*.json")):
            try:
                self.stats[path.stem] = json.loads(path.read_text())["model_stats"][0]
            except (ValueError, KeyError, IndexError):
                pass

    def _env(self):
        env = {}
        for line in self._lines("machine.env"):
            key, _, value = line.partition("=")
            env[key] = value
        return env

    def _lines(self, name):
        p = self.dir / name
        return [l for l in p.read_text().splitlines() if l.strip()] if p.exists() else []

    def p(self, model, proto, batch, conc):
        return self.perf.get(f"{model}_{proto}_b{batch}_c{conc}")

    def load_during(self, kind, ident):
        """Mean 1-minute load average sampled while a perf or JMH run went on (None when not recorded)."""
        span = self.timings.get((kind, ident))
        if not span or not self.load_samples:
            return None
        start, end = span
        inside = [v for t, v in self.load_samples if start <= t <= end + 10]
        if not inside:  # a run shorter than the sampling period: the sample nearest its end
            inside = [min(self.load_samples, key=lambda s: abs(s[0] - end))[1]]
        return sum(inside) / len(inside)

    def perf_load(self, p):
        return fmt_load(None if p is None else self.load_during("perf", p.id))

    def engine_rows_per_s(self, ident, batch):
        """In-process rows/s from an InProcessModelBenchmark run (ops/s x batch)."""
        for r in self.jmh.get(ident, []):
            if r["params"].get("batch") == str(batch):
                return r["primaryMetric"]["score"] * batch
        return None

    def jmh_log(self, ident):
        p = self.dir / "jmh" / f"{ident}.log"
        return p.read_text(errors="replace") if p.exists() else ""


# ---------------------------------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------------------------------

NM = "not measured"


def num(x, digits=0):
    if x is None:
        return NM
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return "–"
    return f"{x:,.{digits}f}".replace(",", "\u202f") if digits else f"{round(x):,}".replace(",", "\u202f")


def sig(x):
    """Three significant figures, for ratios of rows/s."""
    if x is None:
        return NM
    if x == 0:
        return "0"
    digits = max(0, 2 - int(math.floor(math.log10(abs(x)))))
    return num(x, digits) if digits else num(x)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    if r is None:
        return NM
    return f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×"


def pct(r):
    return NM if r is None else f"{100 * r:.0f} %"


def fmt_load(x):
    return "–" if x is None else f"{x:.1f}"


def unstable(p):
    return "" if p is None or p.stable else " (unstable)"


def verdict(ok):
    if ok is None:
        return "not evaluated (not measured)"
    return "**met**" if ok else "**missed**"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


class Goals:
    """Collects every goal with its measured value and verdict, for the summary at the top."""

    def __init__(self):
        self.rows = []

    def add(self, section, goal, measured, ok):
        self.rows.append((section, goal, measured, verdict(ok)))
        return verdict(ok)


# ---------------------------------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------------------------------

def section_machine(run):
    e = run.env
    mem = e.get("mem_kb")
    mem_text = f"{int(mem) / 1024 / 1024:.1f} GiB" if mem and mem.isdigit() else "unknown"
    nproc = int(e.get("nproc", "0") or 0)
    load = run.load
    load_text = "not recorded"
    busy = False
    if load:
        mean = sum(load) / len(load)
        load_text = f"min {min(load):.1f}, mean {mean:.1f}, max {max(load):.1f} (1-minute average, sampled every 10 s)"
        busy = nproc > 0 and mean > nproc + 1
    commit = e.get("commit", "unknown") + (" with uncommitted changes" if e.get("dirty") == "yes" else "")
    rows = [
        ("date", e.get("date", "unknown")),
        ("mode", e.get("mode", "unknown") + (" (shortened runs: the figures only show the script works)"
                                              if e.get("mode") == "quick" else "")),
        ("CPU", f"{e.get('cpu', 'unknown')}, `nproc` = {e.get('nproc', '?')}"),
        ("memory", mem_text),
        ("JDK", e.get("jdk", "unknown")),
        ("OS", e.get("os", "unknown")),
        ("git commit", commit),
        ("load average", f"at start {e.get('load_start', '?')}, at end {e.get('load_end', '?')}; during: {load_text}"),
        ("duration", f"{e.get('elapsed_s', '?')} s"),
        ("load columns", "below, the mean 1-minute load average while that run went on; this run alone accounts for "
                         "about 2 to 3 of it (load tool, server, engine threads)"),
        ("perf windows", f"{e.get('interval_ms', '?')} ms (`--measurement-interval`), at most {e.get('max_trials', '?')}"
                         " per level (`--max-trials`); ResNet-50 levels use count windows, see (g)"),
    ]
    text = ["## Machine and run", "", table(["", ""], rows), ""]
    if busy:
        text += [f"**The machine was shared while this ran**: the load average stayed above the {nproc} cores "
                 "(this run itself keeps about two threads busy: the load tool and the server), so other work took "
                 "CPU time from both the client and the server. Every figure below is lower, and every latency "
                 "higher and noisier, than the same run on an idle machine would give; ratios taken between runs "
                 "made minutes apart carry that noise too.", ""]
    return text


def section_ceiling(run, goals):
    text = ["## (a) Transport ceiling: echo server vs Tensorline", "",
            "Goal: Tensorline serving the tiny ONNX model (Identity, FP32 [-1,16], `tiny_fp32`, one instance) "
            "reaches at least 0.9× the requests/s of the bare grpc-java echo server (same input and output, no "
            "model, no validation, no scheduler) under the same load: gRPC, batch 1, concurrency 1, 8, 64.", ""]
    rows = []
    oks = []
    for c in ECHO_CONCURRENCY:
        e, t = run.p("echo", "grpc", 1, c), run.p("tiny_fp32", "grpc", 1, c)
        r = ratio(t and t.rows_per_s, e and e.rows_per_s)
        oks.append(None if r is None else r >= 0.9)
        rows.append((c, num(e and e.rows_per_s) + unstable(e), num(t and t.rows_per_s) + unstable(t), fmt_ratio(r),
                     num(e and e.col("p50 latency")), num(t and t.col("p50 latency")),
                     f"{run.perf_load(e)} / {run.perf_load(t)}", verdict(oks[-1])))
    text.append(table(["concurrency", "echo req/s", "Tensorline req/s", "ratio", "echo p50 µs", "Tensorline p50 µs",
                       "load (echo / Tensorline)", "≥ 0.9×"], rows))
    ok = None if None in oks else all(oks)
    measured = ", ".join(f"c{c}: {row[3]}" for c, row in zip(ECHO_CONCURRENCY, rows))
    text += ["", f"Goal (every concurrency): {goals.add('(a)', 'Tensorline ≥ 0.9× echo server', measured, ok)}.", ""]
    echo = [run.p("echo", "grpc", 1, c) for c in ECHO_CONCURRENCY]
    best = max((p.rows_per_s for p in echo if p and p.rows_per_s), default=None)
    text += ["### The load tool's own ceiling", "",
             f"Against the echo server, which does nothing but answer, `tensorline perf` drove at most "
             f"**{num(best)} requests/s** (" + ", ".join(
                 f"concurrency {c}: {num(p and p.rows_per_s)}" for c, p in zip(ECHO_CONCURRENCY, echo)) +
             "). The tool and the server share the same cores, so this is the ceiling of the pair on this "
             "machine, and no Tensorline figure below can exceed it.", ""]
    return text


def section_crosscheck(run):
    if not run.loadgen:
        why = ("neither h2load nor wrk was installed (see the notes at the end)"
               if any("cross-check skipped" in n for n in run.notes) else "not part of this run")
        return ["## Cross-check with lighter load generators", "", f"Not run: {why}.", ""]
    text = ["## Cross-check with lighter load generators", "",
            "`tensorline perf` is a JVM sharing the cores with the server, so every figure above includes its CPU "
            "cost. `run-all` repeats the tiny-model loads with two C load generators when they are installed: "
            "`h2load` (nghttp2) sending the same gRPC request as raw HTTP/2 frames (min(c, 4) connections, as perf "
            "spreads them), and `wrk` posting the REST JSON and binary requests (one connection per outstanding "
            f"request), {run.env.get('xcheck_s', '?')} s each after perf's runs on the same servers. No goals "
            "here; they show how much of each figure above is the load tool.", ""]
    rows = []
    for label, perf_key, gen_key in (
            [("echo, gRPC", f"echo_grpc_b1_c{c}", f"h2load_echo_c{c}") for c in (1, 8, 64)]
            + [("Tensorline, gRPC", f"tiny_fp32_grpc_b1_c{c}", f"h2load_tiny_fp32_c{c}") for c in (1, 8, 64)]
            + [("Tensorline, REST JSON", f"tiny_fp32_httpjson_b1_c{c}", f"wrk_httpjson_c{c}") for c in (1, 8, 64)]
            + [("Tensorline, REST binary", f"tiny_fp32_httpbin_b1_c{c}", f"wrk_httpbin_c{c}") for c in (1, 8, 64)]):
        g = run.loadgen.get(gen_key)
        if g is None:
            continue
        p = run.perf.get(perf_key)
        c = gen_key.rsplit("_c", 1)[1]
        tool = "h2load" if gen_key.startswith("h2load") else "wrk"
        rows.append((label, c, num(p and p.rows_per_s), f"{num(g.rps)} ({tool})", fmt_ratio(ratio(g.rps, p and p.rows_per_s)),
                     num(p and p.avg_latency_us), num(g.mean_us), g.errors,
                     fmt_load(run.load_during(tool, gen_key.split("_", 1)[1]))))
    text.append(table(["target", "concurrency", "perf req/s", "lighter client req/s", "lighter / perf",
                       "perf avg µs", "lighter client avg µs", "non-2xx or errors", "load"], rows))
    echo = {c: run.loadgen.get(f"h2load_echo_c{c}") for c in (1, 8, 64)}
    tiny = {c: run.loadgen.get(f"h2load_tiny_fp32_c{c}") for c in (1, 8, 64)}
    ratios = [f"c{c}: {fmt_ratio(ratio(tiny[c] and tiny[c].rps, echo[c] and echo[c].rps))}" for c in (1, 8, 64)
              if echo[c] and tiny[c]]
    if ratios:
        text += ["", "Tensorline / echo with h2load as the client (section (a)'s ratio without perf's own cost): "
                 + ", ".join(ratios) + "."]
    before, after = run.stats.get("tiny_fp32.before-xcheck"), run.stats.get("tiny_fp32")
    if before and after:
        fails = after["inference_stats"]["fail"]["count"] - before["inference_stats"]["fail"]["count"]
        done = after["inference_stats"]["success"]["count"] - before["inference_stats"]["success"]["count"]
        text += ["", f"The server's statistics over the cross-check: {num(float(done))} successful requests, "
                 f"{fails} failed. h2load sees only HTTP statuses (a gRPC error is a 200 with an error status in "
                 "the trailers), so this count is the check; requests still in flight when a generator closes its "
                 "connections at the end of its run are cancelled by the server and counted as failures, so a "
                 "handful (up to the concurrency, per run) is expected."]
    return text + [""]


def section_inprocess(run, goals):
    text = ["## (b) Served vs in-process", "",
            "In-process: `InProcessModelBenchmark` (JMH) loads the model directory of the bench repository as the "
            "server loads one instance (same engine and `LoadRequest`: declared tensors, max batch size, instance "
            "count, hence the same intra-op thread count) and calls `LoadedModel.execute` in a loop on one thread. "
            f"Served: `tensorline perf` over gRPC at concurrency 1 and at a concurrency that keeps the one instance "
            f"busy ({TINY_SATURATING} for the tiny model, {RESNET_SATURATING} for ResNet-50). Rows/s = requests/s × "
            "batch. Ratio: served at the saturating concurrency / in-process.", "",
            "Goal: served ResNet-50 (ONNX) ≥ 0.97× in-process (both batch sizes). The tiny model has no goal here: "
            "its in-process call costs a few microseconds, so its ratio measures the transport, which (a) covers.", ""]
    rows = []
    oks = []
    measured = []
    for model, ident, sat in (("tiny_fp32", "engine_tiny_fp32", TINY_SATURATING),
                              ("resnet50_onnx", "engine_resnet50_onnx", RESNET_SATURATING)):
        for b in (1, 8):
            c1, cs = run.p(model, "grpc", b, 1), run.p(model, "grpc", b, sat)
            inproc = run.engine_rows_per_s(ident, b)
            r = ratio(cs and cs.rows_per_s, inproc)
            ok = None
            if model.startswith("resnet"):
                ok = None if r is None else r >= 0.97
                oks.append(ok)
                measured.append(f"b{b}: {fmt_ratio(r)}")
            rows.append((model, b, sig(inproc), sig(c1 and c1.rows_per_s) + unstable(c1),
                         fmt_ratio(ratio(c1 and c1.rows_per_s, inproc)),
                         f"{sig(cs and cs.rows_per_s)}{unstable(cs)} (c{sat})", fmt_ratio(r),
                         f"{fmt_load(run.load_during('jmh', ident))} / {run.perf_load(c1)} / {run.perf_load(cs)}",
                         verdict(ok) if model.startswith("resnet") else "–"))
    text.append(table(["model", "batch", "in-process rows/s", "served c1 rows/s", "c1 ratio",
                       "served saturated rows/s", "ratio", "load (in-process / c1 / saturated)", "≥ 0.97×"], rows))
    ok = None if (not oks or None in oks) else all(oks)
    text += ["", f"Goal: {goals.add('(b)', 'served ResNet-50 ONNX ≥ 0.97× in-process', ', '.join(measured), ok)}.",
             ""]
    return text


def section_protocols(run):
    text = ["## (c) gRPC vs REST JSON vs REST binary", "",
            "The tiny model, batch 1, same concurrency levels; REST with JSON `data` (`-i http --http-binary false`) "
            "and with the binary tensor extension (`--http-binary true`), one HTTP/1.1 connection per outstanding "
            "request. No goal: this shows what each encoding costs on the same server.", ""]
    rows = []
    for c in ECHO_CONCURRENCY:
        for proto, label in (("grpc", "gRPC"), ("httpjson", "REST JSON"), ("httpbin", "REST binary")):
            p = run.p("tiny_fp32", proto, 1, c)
            rows.append((c, label, num(p and p.rows_per_s) + unstable(p), num(p and p.avg_latency_us),
                         num(p and p.col("p50 latency")), num(p and p.col("p99 latency")),
                         num(p and p.col("Client Send")), num(p and p.col("Client Recv")), run.perf_load(p)))
    text.append(table(["concurrency", "protocol", "req/s", "avg µs", "p50 µs", "p99 µs", "client send µs",
                       "client recv µs", "load"], rows))
    return text + [""]


def section_breakdown(run, goals):
    p = run.p("tiny_fp32", "grpc", 1, 1)
    text = ["## (d) Where the time goes at concurrency 1 (tiny model, gRPC)", "",
            "Client round trip as `tensorline perf` sees it, against the server's own statistics (the model's "
            "statistics extension, read by perf at every window boundary). The server counts a request from the "
            "moment the transport hands it to the scheduler to the moment its answer is ready; gRPC decoding, "
            "validation before that and the write of the reply after it are outside, in `Network+Server Send/Recv` "
            "together with the loopback network and the client's gRPC stack.", "",
            "Goal: non-compute server time (queue + the server's own overhead) ≤ 30 µs.", ""]
    if p is None:
        return text + [NM, ""]
    queue, overhead, compute = p.col("Server Queue"), p.server_overhead_us, p.compute_us
    noncompute = None if queue is None or overhead is None else queue + overhead
    rows = [
        ("client round trip, average", num(p.avg_latency_us)),
        ("client round trip, p50", num(p.col("p50 latency"))),
        ("client round trip, p99", num(p.col("p99 latency"))),
        ("client send (build and serialise) + client recv (parse)",
         f"{num(p.col('Client Send'))} + {num(p.col('Client Recv'))}"),
        ("server request time (statistics: arrival at the scheduler to answer)", num(p.server_request_us)),
        ("server compute (input + infer + output)",
         f"{num(compute)} ({num(p.col('Server Compute Input'))} + {num(p.col('Server Compute Infer'))} + "
         f"{num(p.col('Server Compute Output'))})"),
        ("server queue", num(queue)),
        ("server overhead (request time − queue − compute)", num(overhead)),
        ("**non-compute server time (queue + overhead)**", f"**{num(noncompute)}**"),
        ("Network+Server Send/Recv (average − client send/recv − queue − compute)",
         num(p.col("Network+Server Send/Recv"))),
    ]
    text.append(table(["µs per request", f"value{unstable(p)}"], rows))
    ok = None if noncompute is None else noncompute <= 30
    text += ["", f"Goal: {goals.add('(d)', 'non-compute server time ≤ 30 µs', f'{num(noncompute)} µs', ok)}. "
             "Times are whole microseconds, truncated as perf_analyzer prints them.", ""]
    return text


def sim_ceiling(model, c):
    if model == "simulated_direct":
        return 1e6 / (SIM_DELAY_US + SIM_PER_ROW_US)
    rows = min(c, SIM_MAX_BATCH)
    return rows * 1e6 / (SIM_DELAY_US + SIM_PER_ROW_US * rows)


def section_batching(run, goals):
    text = ["## (e) Dynamic batching on the simulated device", "",
            "`simulated_batching`: backend `simulated`, each execution takes 2000 µs + 20 µs per row, one instance, "
            "`max_batch_size` 64, `dynamic_batching { }` (no queue delay); `simulated_direct`: the same without "
            "`dynamic_batching`. gRPC, batch 1. Ceiling: with batching, c rows per (2000 + 20c) µs below 64 "
            "outstanding and 64 rows per 3280 µs (about 19 500 rows/s) from 64 on; without, 1 row per 2020 µs "
            "(about 495 rows/s) at any concurrency. Mean batch: rows per execution in the measured windows.", "",
            "Goals: ≥ 95 % of the ceiling at saturation (256 outstanding, four full batches' worth; 64 is shown "
            "against the same ceiling); at concurrency 1 the average latency within 0.2 ms of 2.02 ms.", ""]
    rows = []
    for model in ("simulated_batching", "simulated_direct"):
        for c in SIM_CONCURRENCY:
            p = run.p(model, "grpc", 1, c)
            ceil = sim_ceiling(model, c)
            rows.append((model, c, num(p and p.rows_per_s) + unstable(p), num(ceil), pct(ratio(p and p.rows_per_s, ceil)),
                         num(p and p.avg_latency_us), num(p and p.col("p50 latency")), num(p and p.col("p99 latency")),
                         num(p and p.mean_batch, 1), num(p and p.col("Server Compute Infer")), pct(p and p.busy),
                         run.perf_load(p)))
    text.append(table(["model", "concurrency", "rows/s", "ceiling rows/s", "of ceiling", "avg µs", "p50 µs",
                       "p99 µs", "mean batch", "compute µs per execution", "instance busy", "load"], rows))
    text += ["", "Instance busy: executions per second × compute time per execution (server statistics), the "
             "share of the time the one instance was executing; the ceiling assumes 100 % and exactly the nominal "
             "delay per execution (the compute column shows the real one, `parkNanos` included)."]
    text.append("")
    echo = run.p("echo", "grpc", 1, 64)
    if echo and echo.rows_per_s:
        limit = ("so the load tool is not what limits this table" if echo.rows_per_s >= sim_ceiling("simulated_batching", 256)
                 else "and a batch-1 ceiling above that cannot be reached on this machine whatever the batcher does")
        text += [f"For scale: the load tool drove {num(echo.rows_per_s)} requests/s against the echo server at "
                 f"concurrency 64 in this run (section (a)), {limit}.", ""]
    for model in ("simulated_batching", "simulated_direct"):
        sat = run.p(model, "grpc", 1, 256)
        r = ratio(sat and sat.rows_per_s, sim_ceiling(model, 256))
        v = goals.add("(e)", f"{model}: ≥ 95 % of the ceiling at saturation (c256)", pct(r),
                      None if r is None else r >= 0.95)
        one = run.p(model, "grpc", 1, 1)
        lat = one and one.avg_latency_us
        delta = None if lat is None else lat - 2020
        w = goals.add("(e)", f"{model}: latency at c1 within 0.2 ms of 2.02 ms",
                      NM if lat is None else f"{num(lat)} µs ({'+' if delta >= 0 else ''}{num(delta)} µs)",
                      None if lat is None else abs(delta) <= 200)
        text.append(f"- `{model}`: throughput at saturation {pct(r)} of the ceiling: {v}; latency at concurrency 1 "
                    f"{num(lat)} µs: {w}.")
    return text + [""]


def section_mlp(run, goals):
    text = ["## (f) A real engine where batching pays: mlp_medium", "",
            "`mlp_medium` (ONNX, 4 × 1024×1024 fully connected layers, FP32 [batch,1024]) served twice from the "
            "same file, one instance each: `mlp_medium_batching` (`dynamic_batching { }`, `max_batch_size` 64) and "
            "`mlp_medium_direct` (no batching). gRPC, batch 1, concurrency 64. The mean batch size is "
            "inference_count / execution_count of `GET /v2/models/mlp_medium_batching/stats` after the run "
            "(warm-up included); the engine alone is `InProcessModelBenchmark` at batch 1 and at that mean, rounded.", "",
            "Goal: served rows/s with batching ≥ 0.9× the engine alone at that batch size.", ""]
    on, off = run.p("mlp_medium_batching", "grpc", 1, 64), run.p("mlp_medium_direct", "grpc", 1, 64)
    st = run.stats.get("mlp_medium_batching")
    mean = st["inference_count"] / st["execution_count"] if st and st.get("execution_count") else None
    rounded = run.env.get("mlp_mean_batch_rounded") or (str(max(1, round(mean))) if mean else "")
    b = int(rounded) if rounded.isdigit() else None
    e1 = run.engine_rows_per_s("engine_mlp_medium", 1)
    eb = run.engine_rows_per_s("engine_mlp_medium", b) if b else None
    engine_load = fmt_load(run.load_during("jmh", "engine_mlp_medium"))
    rows = [
        ("served, batching on (c64)", num(on and on.rows_per_s) + unstable(on),
         f"{num(mean, 1)} (stats); {num(on and on.mean_batch, 1)} (measured windows)",
         num(on and on.avg_latency_us), num(on and on.col("p99 latency")), num(on and on.col("Server Compute Infer")),
         pct(on and on.busy), run.perf_load(on)),
        ("served, batching off (c64)", num(off and off.rows_per_s) + unstable(off), "1",
         num(off and off.avg_latency_us), num(off and off.col("p99 latency")),
         num(off and off.col("Server Compute Infer")), pct(off and off.busy), run.perf_load(off)),
        ("engine alone, batch 1", num(e1), "1", "–", "–", num(e1 and 1e6 / e1), "100 %", engine_load),
        (f"engine alone, batch {b if b else '?'} (the mean, rounded)", num(eb), str(b or NM), "–", "–",
         num(eb and b * 1e6 / eb), "100 %", engine_load),
    ]
    text.append(table(["", "rows/s", "batch", "avg µs", "p99 µs", "compute µs per execution", "instance busy",
                       "load"], rows))
    r = ratio(on and on.rows_per_s, eb)
    text += ["", f"Batching on / off: {fmt_ratio(ratio(on and on.rows_per_s, off and off.rows_per_s))}; "
             f"served without batching / engine at batch 1: {fmt_ratio(ratio(off and off.rows_per_s, e1))}; "
             f"served with batching / engine at batch {b or '?'}: **{fmt_ratio(r)}**.", "",
             f"Goal: {goals.add('(f)', 'mlp_medium served with batching ≥ 0.9× engine at the mean batch', fmt_ratio(r), None if r is None else r >= 0.9)}.",
             ""]
    return text


def section_engines(run, goals):
    text = ["## (g) ResNet-50 per engine", "",
            "The same network (torchvision ResNet-50, random weights, `scripts/make_models.py --resnet50`) through "
            "each engine the build has, one instance using every core, served (gRPC, concurrency 1 and "
            f"{RESNET_SATURATING}) vs in-process (`InProcessModelBenchmark`). Goal, as in (b): served ≥ 0.97× "
            "in-process.", ""]
    rows = []
    for model, label in (("resnet50_onnx", "ONNX Runtime"), ("resnet50_torchscript", "PyTorch (TorchScript)")):
        measured_any = any(run.p(model, "grpc", b, c) for b in (1, 8) for c in (1, RESNET_SATURATING))
        if not measured_any and f"engine_{model}" not in run.jmh:
            rows.append((label, "–", NM, NM, NM, NM, NM, "–", "not evaluated"))
            continue
        for b in (1, 8):
            c1, cs = run.p(model, "grpc", b, 1), run.p(model, "grpc", b, RESNET_SATURATING)
            inproc = run.engine_rows_per_s(f"engine_{model}", b)
            r = ratio(cs and cs.rows_per_s, inproc)
            ok = None if r is None else r >= 0.97
            if model != "resnet50_onnx":  # ONNX is counted once, in (b)
                goals.add("(g)", f"served {label} ResNet-50 b{b} ≥ 0.97× in-process", fmt_ratio(r), ok)
            served_exec = cs and cs.col("Server Compute Infer")
            inproc_exec = inproc and b * 1e6 / inproc
            rows.append((label, b, sig(inproc), sig(c1 and c1.rows_per_s) + unstable(c1),
                         sig(cs and cs.rows_per_s) + unstable(cs), fmt_ratio(r),
                         f"{num(served_exec and served_exec / 1000)} / {num(inproc_exec and inproc_exec / 1000)} ms"
                         f" ({fmt_ratio(ratio(served_exec, inproc_exec))})",
                         f"{fmt_load(run.load_during('jmh', f'engine_{model}'))} / {run.perf_load(c1)} / "
                         f"{run.perf_load(cs)}", verdict(ok)))
    text.append(table(["engine", "batch", "in-process rows/s", "served c1 rows/s",
                       f"served c{RESNET_SATURATING} rows/s", "ratio",
                       f"one execution: served (c{RESNET_SATURATING}, server statistics) / in-process",
                       "load (in-process / c1 / saturated)", "≥ 0.97×"], rows))
    text += ["", "The execution column compares the engine call alone: the server's compute time per execution "
             "(from its statistics, so no transport or queueing in it) against the in-process time per call. Where "
             "it is well above 1×, the engine itself ran slower while being served, on cores shared with the load "
             "tool, the transport threads and whatever else the machine ran at the time (the load column); that "
             "part of the gap is not serving overhead."]
    windows = [f"{m} batch {b}: {run.env[k]} requests" for m in ("resnet50_onnx", "resnet50_torchscript")
               for b in (1, 8) if (k := f"{m}_b{b}_window_requests") in run.env]
    if windows:
        text += ["", "ResNet-50 levels are measured in count windows (`--measurement-mode count_windows`), sized "
                 "from the in-process speed (which `run-all` measures first) to last about "
                 f"{run.env.get('resnet_window_s', '?')} s each: " + "; ".join(windows) + "."]
    return text + [""]


def jmh_score(r):
    m = r["primaryMetric"]
    err = m.get("scoreError")
    try:
        err = float(err)
    except (TypeError, ValueError):
        err = float("nan")
    s = f"{m['score']:,.2f}".replace(",", "\u202f")
    if not math.isnan(err):
        s += f" ± {err:,.2f}".replace(",", "\u202f")
    return s


def section_jmh(run):
    text = ["## (h) JMH micro-benchmarks", "",
            "Average time per operation (± the 99.9 % confidence half-interval JMH reports; none with a single "
            "iteration). No goals: these locate costs.", ""]
    grpc, rest = run.jmh.get("grpc_codec", []), run.jmh.get("rest_codec", [])
    rows = []
    for size in ("1024", "65536", "1048576"):
        row = [{"1024": "1 KB", "65536": "64 KB", "1048576": "1 MB"}[size]]
        for suite, enc in ((grpc, None), (rest, "json"), (rest, "binary")):
            for bench in ("decodeRequest", "encodeResponse"):
                hit = [r for r in suite if r["benchmark"].endswith("." + bench) and r["params"].get("bytes") == size
                       and (enc is None or r["params"].get("encoding") == enc)]
                row.append(jmh_score(hit[0]) if hit else NM)
        rows.append(row)
    text += ["### Codecs: one FP32 tensor, µs per request or response", "",
             "`GrpcCodecBenchmark`: protobuf parse + `GrpcInferCodec.decode`; `GrpcInferCodec.encode` + protobuf "
             "serialise. `RestCodecBenchmark` (in the benchmarks module, package `io.tensorline.server.http`, to "
             "reach the package-private codec): the request body (JSON `data`, or a JSON header plus raw bytes) to "
             "the domain request; the domain response to the Netty reply (JSON text, or a JSON header plus the "
             "output's bytes wrapped without a copy).", "",
             table(["size", "gRPC decode", "gRPC encode", "REST JSON decode", "REST JSON encode",
                    "REST binary decode", "REST binary encode"], rows), ""]
    ring = run.jmh.get("ring_batching", [])
    per_batch = {}
    for m in re.finditer(r"\[producers=(\d+) maxBatch=(\d+)\] \d+ requests in \d+ executions \(([\d.]+) rows per batch\)",
                         run.jmh_log("ring_batching")):
        per_batch[(m.group(1), m.group(2))] = m.group(3)
    rows = []
    for r in ring:
        name = r["benchmark"].rsplit(".", 1)[1]
        params = r["params"]
        label = ", ".join(f"{k} {v}" for k, v in sorted(params.items()))
        rows.append((name, label, jmh_score(r) + " " + r["primaryMetric"]["scoreUnit"],
                     per_batch.get((params.get("producers"), params.get("maxBatch")), "–")))
    text += ["### Ring batching (`RingBatchingBenchmark`)", "",
             "The dynamic batcher with a fake instance that answers at once: `pipeline` keeps 1024 one-row requests "
             "outstanding (score: time per request); `loneRequest` is one request on an idle scheduler (latency).", "",
             table(["benchmark", "parameters", "score", "rows per execution"], rows) if rows else NM, ""]
    return text


def section_commands(run):
    text = ["## Commands", "",
            "Everything above came from `benchmarks/run-all" + (" --quick" if run.env.get("mode") == "quick" else "")
            + "`, which ran exactly these commands (ports are free loopback ports picked at run time; "
            f"`{run.dir.name}` is the run's directory under `build/bench/`):", "", "```"]
    root_run = str(run.dir)
    for c in run.commands:
        text.append(c.replace(root_run, f"build/bench/{run.dir.name}"))
    text += ["```", ""]
    if run.notes:
        text += ["Skipped or failed during the run:", ""] + [f"- {n}" for n in run.notes] + [""]
    return text


def main(argv):
    if len(argv) != 2:
        print("usage: make_report.py RUN_DIR  (a directory written by benchmarks/run-all)", file=sys.stderr)
        return 2
    run = Run(argv[1])
    goals = Goals()
    body = []
    body += section_ceiling(run, goals)
    body += section_inprocess(run, goals)
    body += section_protocols(run)
    body += section_breakdown(run, goals)
    body += section_batching(run, goals)
    body += section_mlp(run, goals)
    body += section_engines(run, goals)
    body += section_jmh(run)
    body += section_crosscheck(run)
    body += section_extra()
    head = ["# Performance", "",
            "Generated by `benchmarks/run-all` (`benchmarks/report/make_report.py` over the raw results it keeps in "
            f"`build/bench/{run.dir.name}/`, not committed). Rerun the script to regenerate this page; do not edit "
            "it by hand. All traffic is loopback: the load tool, the servers and the benchmarks share the "
            "machine's cores, so every served figure includes the client's CPU cost too.", ""]
    head += section_machine(run)
    head += ["## Goals", "", "Each goal, what this run measured, and whether it was met; the sections below give the "
             "figures behind each one. (c) and (h) have no goals: they compare encodings and locate costs.", "",
             table(["", "goal", "measured", "verdict"], goals.rows), ""]
    out = head + body + section_commands(run)
    sys.stdout.write("\n".join(out).rstrip() + "\n")
    return 0


def section_extra():
    """Hand-written sections measured by other commands (e.g. benchmarks/batch-mlp): docs/performance-extra/*.md,
    appended as they are, so regenerating this page keeps them."""
    extra = Path(__file__).resolve().parents[2] / "docs" / "performance-extra"
    out = []
    for f in sorted(extra.glob("*.md")) if extra.is_dir() else []:
        out += f.read_text().rstrip().split("\n") + [""]
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv))
