#!/usr/bin/env python3
"""memlab's benchmarks (SPEC section 5), run on demand: `bench/run.sh`.

Every comparison is a ratio taken within one run, its two sides alternated
(A B A B ...), because absolute times on a shared VM drift a lot between
runs. Results go to bench/results/ (CSV, SVG, and summary.json; with
--quick to target/bench/results-quick/); the narration goes to stdout.
Standard library only.

usage: bench.py [--quick] [--only PART[,PART...]] [--baseline OLD_MEMLAB]
parts: fault footprint sampler watch watchmem watchtree scale all faults
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEMLAB = os.path.join(ROOT, "target", "release", "memlab")
BUILD = os.path.join(ROOT, "target", "bench")
OUT = os.path.join(ROOT, "bench", "results")
MIB = 1 << 20


def say(msg):
    print(msg, flush=True)


def pct(values, q):
    """Nearest-rank q-quantile."""
    v = sorted(values)
    if not v:
        return float("nan")
    i = min(len(v), max(1, int(-(-len(v) * q // 1)))) - 1
    return v[i]


def memlab_json(args, ok=(0, 3), exe=None):
    """Run memlab with --json - -q; return (report, wall_s, rusage)."""
    # Output options go before a `--` that starts a watched command.
    cut = args.index("--") if "--" in args else len(args)
    args = [*args[:cut], "--json", "-", "-q", *args[cut:]]
    t = time.monotonic()
    p = subprocess.Popen([exe or MEMLAB, *args], stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in ok:
        sys.exit(f"memlab {' '.join(args)} exited {p.returncode}")
    return json.loads(out), wall, ru


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# -- fault path --------------------------------------------------------------


def build_touch():
    os.makedirs(BUILD, exist_ok=True)
    exe = os.path.join(BUILD, "touch")
    subprocess.run(
        ["gcc", "-O2", "-Wall", "-o", exe, os.path.join(ROOT, "bench", "touch.c")],
        check=True,
    )
    return exe


def run_touch(exe, size):
    out = subprocess.run([exe, str(size)], capture_output=True, text=True, check=True)
    ns, faults, rss_kib = out.stdout.split()
    return float(ns), int(faults), int(rss_kib)


def fault_path(touch, size, rounds):
    say(f"\n## fault path: {size // MIB} MiB, {rounds} rounds alternated (load {load()})")
    rows = []
    for i in range(rounds):
        # Each round runs memlab and the C program twice (c, c2): the ratio
        # c2/c is the noise floor, what the same program measures against
        # itself. The order rotates, so none always follows another.
        order = [["memlab", "c", "c2"], ["c", "memlab", "c2"], ["c", "c2", "memlab"]][i % 3]
        got = {}
        for side in order:
            if side in ("c", "c2"):
                got[side] = run_touch(touch, size)
            else:
                r, _, _ = memlab_json(
                    ["demand-paging", "--rate", "max", "--size", str(size),
                     "--hold", "100ms", "--interval", "20ms"]
                )
                s = r["summary"]
                before = [x["rss_kib"] for x in r["rows"] if x["phase"] == "before-alloc"]
                got["memlab"] = (s["touch_s"] * 1e9 / s["touch_minflt"], s["touch_minflt"], before[0])
        ratio = got["memlab"][0] / got["c"][0]
        ratio_mean = got["memlab"][0] / ((got["c"][0] + got["c2"][0]) / 2)
        control = got["c2"][0] / got["c"][0]
        rows.append({
            "round": i, "order": "-".join(order), "memlab_ns_per_fault": round(got["memlab"][0], 1),
            "c_ns_per_fault": got["c"][0], "c2_ns_per_fault": got["c2"][0],
            "ratio": round(ratio, 4), "ratio_to_c_mean": round(ratio_mean, 4),
            "control_ratio_c2_c": round(control, 4),
            "memlab_faults": got["memlab"][1], "c_faults": got["c"][1],
            "memlab_rss_before_kib": got["memlab"][2], "c_rss_before_kib": got["c"][2],
        })
        say(f"  round {i} ({'-'.join(order)}): memlab {got['memlab'][0]:.0f} ns/fault ({got['memlab'][1]} faults), "
            f"C {got['c'][0]:.0f} / {got['c2'][0]:.0f} ns/fault ({got['c'][1]} faults), "
            f"memlab/C {ratio:.3f}, C/C {control:.3f}")
    write_csv("fault_path.csv", rows)
    med = statistics.median(r["ratio"] for r in rows)
    ctl = statistics.median(r["control_ratio_c2_c"] for r in rows)
    med_mean = statistics.median(r["ratio_to_c_mean"] for r in rows)
    say(f"  median ratio memlab/C: {med:.3f} (to the mean of both C runs: {med_mean:.3f}); "
        f"control C/C: {ctl:.3f} (load {load()})")
    return {
        "size_bytes": size, "rounds": rounds, "median_ratio": round(med, 4),
        "median_ratio_to_c_mean": round(med_mean, 4),
        "min_ratio": min(r["ratio"] for r in rows), "max_ratio": max(r["ratio"] for r in rows),
        "control_median_ratio": round(ctl, 4),
        "control_min_ratio": min(r["control_ratio_c2_c"] for r in rows),
        "control_max_ratio": max(r["control_ratio_c2_c"] for r in rows),
        "memlab_ns_per_fault_median": statistics.median(r["memlab_ns_per_fault"] for r in rows),
        "c_ns_per_fault_median": statistics.median(r["c_ns_per_fault"] for r in rows),
        "memlab_rss_before_kib": statistics.median(r["memlab_rss_before_kib"] for r in rows),
        "c_rss_before_kib": statistics.median(r["c_rss_before_kib"] for r in rows),
    }


# -- faults: per-access timing against a tight C loop ------------------------


def faults_vs_c(touch, size, rounds):
    say(f"\n## faults anon: {size // MIB} MiB, {rounds} rounds alternated (load {load()})")
    rows = []
    for i in range(rounds):
        order = [["memlab", "c", "c2"], ["c", "memlab", "c2"], ["c", "c2", "memlab"]][i % 3]
        got = {}
        for side in order:
            if side in ("c", "c2"):
                got[side] = run_touch(touch, size)[0]
            else:
                r, _, _ = memlab_json(
                    ["faults", "--kinds", "anon", "--size", str(size), "--rounds", "1"]
                )
                got["memlab"] = r["summary"]["anon_mean_ns"]
        rows.append({
            "round": i, "order": "-".join(order),
            "memlab_anon_mean_ns": got["memlab"], "c_ns_per_fault": got["c"],
            "c2_ns_per_fault": got["c2"],
            "ratio": round(got["memlab"] / got["c"], 4),
            "control_ratio_c2_c": round(got["c2"] / got["c"], 4),
        })
        say(f"  round {i} ({'-'.join(order)}): memlab faults anon mean {got['memlab']:.0f} ns, "
            f"C loop {got['c']:.0f} / {got['c2']:.0f} ns per fault, ratio {got['memlab'] / got['c']:.3f}")
    write_csv("faults_vs_c.csv", rows)
    med = statistics.median(r["ratio"] for r in rows)
    ctl = statistics.median(r["control_ratio_c2_c"] for r in rows)
    say(f"  median ratio memlab faults anon mean / C loop: {med:.3f}; control C/C: {ctl:.3f}")
    return {
        "size_bytes": size, "rounds": rounds, "median_ratio": round(med, 4),
        "control_median_ratio": round(ctl, 4),
        "min_ratio": min(r["ratio"] for r in rows), "max_ratio": max(r["ratio"] for r in rows),
        "memlab_anon_mean_ns_median": statistics.median(r["memlab_anon_mean_ns"] for r in rows),
        "c_ns_per_fault_median": statistics.median(r["c_ns_per_fault"] for r in rows),
    }


# -- footprint ---------------------------------------------------------------


def footprint(touch, rounds):
    say(f"\n## footprint: RSS before allocating (load {load()})")
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    m, c, py = [], [], []
    for _ in range(rounds):
        r, _, _ = memlab_json(["demand-paging", "--rate", "max", "--size", "16M",
                               "--hold", "100ms", "--interval", "20ms"])
        m.append([x["rss_kib"] for x in r["rows"] if x["phase"] == "before-alloc"][0])
        c.append(run_touch(touch, 1 << 20)[2])
        out = subprocess.run(
            ["python3", "-c", "print(open('/proc/self/statm').read().split()[1])"],
            capture_output=True, text=True, check=True)
        py.append(int(out.stdout) * page_kib)
    res = {"memlab_worker_kib": statistics.median(m), "c_kib": statistics.median(c),
           "python3_kib": statistics.median(py)}
    say(f"  memlab worker {res['memlab_worker_kib']} KiB, C {res['c_kib']} KiB, "
        f"python3 -c {res['python3_kib']} KiB")
    return res


# -- sampler -----------------------------------------------------------------


def sampler_micro(quick):
    say(f"\n## sampler micro-benchmark: cargo bench --bench sampler (load {load()})")
    args = ["cargo", "bench", "--quiet", "--bench", "sampler", "--"]
    if quick:
        args.append("--quick")
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    path = os.path.join(OUT, "sampler.csv")
    with open(path, "w") as f:
        f.write(out)
    say(out.rstrip())
    return {"csv": os.path.relpath(path, ROOT)}


def watch_run(interval, duration, exe=None):
    r, wall, ru = memlab_json(["watch", "--interval", interval, "--duration", duration,
                               "--", "sleep", str(int(float(duration.rstrip("s"))) + 1)], exe=exe)
    s = r["summary"]
    iv = float(interval.rstrip("ms")) / 1e3
    # Lateness of each sample after its deadline: t_s - k*interval, with k the
    # deadline just before it.
    late = [(x["t_s"] - int(x["t_s"] / iv + 1e-9) * iv) * 1e6 for x in r["rows"]]
    cpu = ru.ru_utime + ru.ru_stime
    return {
        "interval": interval, "duration_s": s["duration_s"],
        "samples_taken": s["samples_taken"], "samples_asked": s["samples_asked"],
        "taken_pct": round(100 * s["samples_taken"] / max(1, s["samples_asked"]), 2),
        "jitter_p50_us": round(pct(late, 0.5), 1), "jitter_p99_us": round(pct(late, 0.99), 1),
        "jitter_max_us": round(max(late), 1),
        "read_mean_us": s["sample_read_mean_us"], "work_mean_us": s["sample_work_mean_us"],
        "cpu_s": round(cpu, 3), "cpu_pct_of_core": round(100 * cpu / wall, 2),
        "wall_s": round(wall, 3),
    }


def ps_call(rounds):
    p = subprocess.Popen(["sleep", "60"])
    ts = []
    try:
        for _ in range(rounds):
            t = time.monotonic()
            subprocess.run(["ps", "-o", "vsz,rss,maj_flt,min_flt", "-p", str(p.pid)],
                           capture_output=True, check=True)
            ts.append((time.monotonic() - t) * 1e6)
    finally:
        p.kill()
        p.wait()
    return {"ps_p50_us": round(pct(ts, 0.5)), "ps_p99_us": round(pct(ts, 0.99)), "n": rounds}


def watch(quick, baseline):
    dur = "2s" if quick else "5s"
    say(f"\n## watch on an idle process (sleep), {dur} (load {load()})")
    rows = []
    builds = [("current", None)] + ([("baseline", baseline)] if baseline else [])
    for interval in ["1ms", "10ms", "1ms", "10ms"] if not quick else ["1ms", "10ms"]:
        # The builds alternate inside each interval.
        for build, exe in builds:
            w = {"build": build, **watch_run(interval, dur, exe)}
            rows.append(w)
            say(f"  {build} {interval}: {w['samples_taken']}/{w['samples_asked']} samples ({w['taken_pct']}%), "
                f"jitter p50 {w['jitter_p50_us']} µs p99 {w['jitter_p99_us']} µs, "
                f"read {w['read_mean_us']} µs/sample, CPU {w['cpu_s']} s = {w['cpu_pct_of_core']}% of a core")
    write_csv("watch.csv", rows)
    ps = ps_call(10 if quick else 30)
    say(f"  one `ps -o vsz,rss,maj_flt,min_flt -p PID`: p50 {ps['ps_p50_us']} µs, p99 {ps['ps_p99_us']} µs")
    return {"runs": rows, "ps": ps}


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s_of(pid):
    tick = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def watch_memory(quick):
    """memlab's own RSS early and late in a 1 ms watch streaming to a file,
    its CPU in between, and the rows of the file after an interrupt."""
    early, late = (2, 8) if quick else (5, 35)
    say(f"\n## watch: memory over time at 1 ms, streaming (load {load()})")
    rows = []
    tmp = tempfile.mkdtemp(prefix="memlab-bench-")
    try:
        for fmt in ["--csv", "--json", "--csv", "--json"][: 2 if quick else 4]:
            path = os.path.join(tmp, "w" + fmt.replace("--", "."))
            p = subprocess.Popen([MEMLAB, "watch", "-q", "--interval", "1ms", fmt, path,
                                  "--", "sleep", str(late + 10)], stdout=subprocess.DEVNULL)
            time.sleep(early)
            r0, c0, t0 = vm_rss_kib(p.pid), cpu_s_of(p.pid), time.monotonic()
            time.sleep(late - early)
            r1, c1, t1 = vm_rss_kib(p.pid), cpu_s_of(p.pid), time.monotonic()
            p.send_signal(2)
            p.wait()
            if fmt == "--json":
                with open(path) as f:
                    j = json.load(f)
                n, taken = len(j["rows"]), j["summary"]["samples_taken"]
            else:
                with open(path) as f:
                    n = sum(1 for _ in f) - 1
                taken = n
            w = {"output": fmt, "rss_early_kib": r0, "rss_late_kib": r1, "growth_kib": r1 - r0,
                 "cpu_pct_of_core": round(100 * (c1 - c0) / (t1 - t0), 2),
                 "rows_in_file": n, "samples_taken": taken, "exit": p.returncode}
            rows.append(w)
            say(f"  {fmt}: RSS {r0} KiB at {early} s, {r1} KiB at {late} s ({r1 - r0:+} KiB); "
                f"CPU {w['cpu_pct_of_core']}% of a core; {n} rows in the file "
                f"({taken} samples taken), exit {p.returncode}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_csv("watch_memory.csv", rows)
    return rows


def watch_tree(quick):
    """The cost of one sample of a tree of N sleeping processes."""
    say(f"\n## watch: a tree of N processes at 1 ms (load {load()})")
    rows = []
    dur = 2 if quick else 4
    for n in [1, 8, 32, 64][: 3 if quick else 4]:
        script = f"for i in $(seq {n - 1}); do sleep {dur + 2} & done; sleep {dur + 2}"
        r, wall, ru = memlab_json(["watch", "--interval", "1ms", "--duration", f"{dur}s",
                                   "--", "sh", "-c", script], ok=(0,))
        s = r["summary"]
        cpu = ru.ru_utime + ru.ru_stime
        w = {"processes": s["nprocs_max"], "read_mean_us": s["sample_read_mean_us"],
             "work_mean_us": s["sample_work_mean_us"],
             "read_per_process_us": round(s["sample_read_mean_us"] / max(1, s["nprocs_max"]), 2),
             "taken_pct": round(100 * s["samples_taken"] / max(1, s["samples_asked"]), 2),
             "tree_scans": s["tree_scans"], "tree_scan_mean_us": s["tree_scan_mean_us"],
             "cpu_pct_of_core": round(100 * cpu / wall, 2)}
        rows.append(w)
        say(f"  {w['processes']} processes: read {w['read_mean_us']} µs/sample "
            f"({w['read_per_process_us']} µs per process), work {w['work_mean_us']} µs, "
            f"{w['taken_pct']}% of deadlines kept, {w['tree_scans']} scans of "
            f"{w['tree_scan_mean_us']} µs, CPU {w['cpu_pct_of_core']}% of a core")
        time.sleep(2.5)  # the sleeps left behind end
    write_csv("watch_tree.csv", rows)
    return rows


# -- scale -------------------------------------------------------------------


def scale(sizes):
    say(f"\n## scale: demand-paging, cow, page-table (load {load()})")
    rows = []
    for size in sizes:
        dp, dp_wall, _ = memlab_json(["demand-paging", "--rate", "max", "--size", str(size),
                                      "--hold", "100ms", "--interval", "20ms", "--force"])
        cw, cw_wall, _ = memlab_json(["cow", "--size", str(size), "--force"])
        pt, pt_wall, _ = memlab_json(["page-table", "--size", str(size), "--force"])
        dense = [x for x in pt["rows"] if x["case"] == "dense"][0]
        s = dp["summary"]
        row = {
            "size_mib": size // MIB,
            "dp_wall_s": round(dp_wall, 3),
            "dp_touch_s": s["touch_s"],
            "dp_minflt": s["touch_minflt"],
            "dp_ns_per_fault": s.get("ns_per_fault"),
            "cow_wall_s": round(cw_wall, 3),
            "cow_fork_us": cw["summary"]["fork_us"],
            "cow_child_minflt": cw["summary"]["child_access_minflt"],
            "pt_wall_s": round(pt_wall, 3),
            "pt_dense_pte_kib": dense["pte_delta_kib"],
            "pt_dense_minflt": dense["minflt"],
        }
        rows.append(row)
        say("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    write_csv("scale.csv", rows)
    svg_scale(rows, os.path.join(OUT, "scale.svg"))
    return {"csv": os.path.relpath(os.path.join(OUT, "scale.csv"), ROOT),
            "svg": os.path.relpath(os.path.join(OUT, "scale.svg"), ROOT)}


# -- all ---------------------------------------------------------------------


def all_wall(rounds):
    say(f"\n## memlab all (load {load()})")
    ts = []
    for _ in range(rounds):
        d = tempfile.mkdtemp(prefix="memlab-bench-")
        try:
            t = time.monotonic()
            p = subprocess.run([MEMLAB, "all", "--out", d, "-q"], capture_output=True)
            ts.append(time.monotonic() - t)
            say(f"  exit {p.returncode}, {ts[-1]:.1f} s")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return {"wall_s": [round(t, 2) for t in ts], "median_s": round(statistics.median(ts), 2)}


# -- output ------------------------------------------------------------------


def write_csv(name, rows):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w") as f:
        f.write(",".join(rows[0].keys()) + "\n")
        for r in rows:
            f.write(",".join("" if v is None else str(v) for v in r.values()) + "\n")


def svg_scale(rows, path):
    """Cost against size on log-log axes, one line per measure, each
    normalised to its value at the smallest size (so the lines share an axis
    and a slope of 1 means 'grows in proportion to size')."""
    import math

    series = [
        ("demand-paging touch time", "dp_touch_s", "#1f77b4"),
        ("demand-paging faults", "dp_minflt", "#2ca02c"),
        ("cow fork time", "cow_fork_us", "#d62728"),
        ("cow child write faults", "cow_child_minflt", "#9467bd"),
        ("page-table bytes (dense)", "pt_dense_pte_kib", "#ff7f0e"),
        ("demand-paging wall time", "dp_wall_s", "#8c564b"),
        ("cow wall time", "cow_wall_s", "#17becf"),
    ]
    W, H, L, R, T, B = 760, 470, 70, 230, 40, 60
    xs = [math.log2(r["size_mib"]) for r in rows]
    ys = []
    for _, k, _ in series:
        base = rows[0][k] or 1
        ys.append([math.log2(max(r[k], 1e-9) / base) for r in rows])
    x0, x1 = min(xs), max(xs)
    y0 = math.floor(min(min(v) for v in ys))
    y1 = math.ceil(max(max(v) for v in ys))
    px = lambda x: L + (x - x0) / (x1 - x0 or 1) * (W - L - R)
    py = lambda y: H - B - (y - y0) / (y1 - y0 or 1) * (H - T - B)
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{(L + W - R) / 2}" y="22" font-size="15" text-anchor="middle">'
         f'memlab: cost against size (log-log, ×1 = value at {rows[0]["size_mib"]} MiB)</text>']
    for r, x in zip(rows, xs):
        o.append(f'<line x1="{px(x):.1f}" y1="{T}" x2="{px(x):.1f}" y2="{H - B}" stroke="#eee"/>')
        label = f'{r["size_mib"] // 1024} GiB' if r["size_mib"] >= 1024 else f'{r["size_mib"]} MiB'
        o.append(f'<text x="{px(x):.1f}" y="{H - B + 18}" text-anchor="middle">{label}</text>')
    for y in range(y0, y1 + 1):
        o.append(f'<line x1="{L}" y1="{py(y):.1f}" x2="{W - R}" y2="{py(y):.1f}" stroke="#eee"/>')
        o.append(f'<text x="{L - 6}" y="{py(y) + 4:.1f}" text-anchor="end">×{2 ** y:g}</text>')
    o.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle">size (log scale)</text>')
    o.append(f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" '
             f'text-anchor="middle">relative cost (log scale)</text>')
    # The line a cost proportional to size would follow.
    o.append(f'<line x1="{px(x0):.1f}" y1="{py(0):.1f}" x2="{px(x1):.1f}" y2="{py(x1 - x0):.1f}" '
             f'stroke="#999" stroke-dasharray="4 4"/>')
    for (name, _, colour), v in zip(series, ys):
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, v))
        o.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in zip(xs, v):
            o.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
    legend = series + [("proportional to size", None, "#999")]
    for i, (name, k, colour) in enumerate(legend):
        y = T + 10 + i * 20
        dash = ' stroke-dasharray="4 4"' if k is None else ""
        o.append(f'<line x1="{W - R + 12}" y1="{y}" x2="{W - R + 36}" y2="{y}" stroke="{colour}" '
                 f'stroke-width="2"{dash}/>')
        o.append(f'<text x="{W - R + 42}" y="{y + 4}">{name}</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def machine():
    def read(p):
        try:
            with open(p) as f:
                return f.read().strip()
        except OSError:
            return None
    cpu = [l.split(":", 1)[1].strip() for l in read("/proc/cpuinfo").splitlines()
           if l.startswith("model name")]
    mem = [l for l in read("/proc/meminfo").splitlines() if l.startswith("MemTotal")][0]
    return {
        "cpu": cpu[0] if cpu else None, "cpus": os.cpu_count(),
        "mem_total": mem.split(":")[1].strip(), "kernel": os.uname().release,
        "thp": read("/sys/kernel/mm/transparent_hugepage/enabled"),
        "gcc": subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
        "rustc": subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip(),
        "virt": subprocess.run(["systemd-detect-virt"], capture_output=True, text=True).stdout.strip()
        if shutil.which("systemd-detect-virt") else None,
        "load_at_start": load(),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer rounds and sizes")
    ap.add_argument("--only",
                    default="fault,footprint,sampler,watch,watchmem,watchtree,scale,all,faults")
    ap.add_argument("--baseline", metavar="MEMLAB",
                    help="an older memlab binary to alternate with in the watch runs")
    a = ap.parse_args()
    parts = a.only.split(",")
    global OUT
    if a.quick:
        # A quick run is a smoke test: keep it away from the committed results.
        OUT = os.path.join(BUILD, "results-quick")
    os.makedirs(OUT, exist_ok=True)
    res = {}
    # A partial run (--only) updates its parts of the summary, keeping the rest.
    old = os.path.join(OUT, "summary.json")
    if os.path.exists(old):
        with open(old) as f:
            res = json.load(f)
    res["machine"] = machine()
    say(f"machine: {json.dumps(res['machine'])}")
    touch = build_touch()
    if "fault" in parts:
        res["fault"] = fault_path(touch, 64 * MIB if a.quick else 256 * MIB, 3 if a.quick else 11)
    if "footprint" in parts:
        res["footprint"] = footprint(touch, 1 if a.quick else 3)
    if "sampler" in parts:
        res["sampler"] = sampler_micro(a.quick)
    if "watch" in parts:
        res["watch"] = watch(a.quick, a.baseline)
    if "watchmem" in parts:
        res["watch_memory"] = watch_memory(a.quick)
    if "watchtree" in parts:
        res["watch_tree"] = watch_tree(a.quick)
    if "scale" in parts:
        sizes = [16, 64, 256] if a.quick else [16, 64, 256, 1024, 4096]
        res["scale"] = scale([s * MIB for s in sizes])
    if "all" in parts:
        res["all"] = all_wall(1 if a.quick else 2)
    if "faults" in parts:
        res["faults"] = faults_vs_c(touch, 64 * MIB, 3 if a.quick else 11)
    res["machine"]["load_at_end"] = load()
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    say(f"\nresults in {os.path.relpath(OUT, ROOT)}/ (load at end {load()})")


if __name__ == "__main__":
    main()
