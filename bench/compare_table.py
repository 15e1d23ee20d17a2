#!/usr/bin/env python3
"""The tables of bench/compare.sh: per mode, medians over rounds per server at each worker count,
and the ratio of each Cobble (cobble, cobble-ecdsa, cobble-pg, cobble-limits) to pebble at each.

usage: compare_table.py RESULTS MODES SERVERS WORKERS_LIST [PEBBLE_SAFE [THREADS]]

Reads RESULTS/<mode>-w<workers>-<server>-<round>.json (one cobble-bench JSON line each; cobble-pg
runs also leave <...>.db.json with the postgres processes' CPU seconds). A stalled
round counts in the `stalled rounds` row and is left out of the medians (its figures stop at the
stall). Writes RESULTS/summary.json: {mode: {workers: {figure: {server: median}}}}.
"""
import json
import os
import re
import statistics
import sys

KINDS = ["newNonce", "newOrder", "authz", "challenge", "poll", "finalize", "order", "cert"]
THROUGHPUT = {"always": "flows/s (issued certificates)", "http01": "flows/s (issued certificates)",
              "fail": "failed validations/s", "nonce": "newNonce/s"}
GATE = {
    "both": "--pebble-safe on both servers (like for like)",
    "pebble": "--pebble-safe on Pebble only: Cobble ran without the gate",
    "none": "no --pebble-safe: Pebble 2.4.0 may stall from 64 workers",
}


def load(results, mode, workers, server):
    runs = []
    # Exact names: "cobble" must not take cobble-pg's rounds, nor a round its .db.json.
    pattern = re.compile(re.escape(f"{mode}-w{workers}-{server}-") + r"\d+\.json")
    for name in sorted(os.listdir(results)):
        if pattern.fullmatch(name):
            try:
                with open(os.path.join(results, name)) as f:
                    run = json.loads(f.read().strip().splitlines()[-1])
                database = os.path.join(results, name[:-len(".json")] + ".db.json")
                if os.path.exists(database):
                    with open(database) as f:
                        run["database"] = json.load(f)
                runs.append(run)
            except (OSError, ValueError, IndexError):
                runs.append(None)  # the bench could not run: counts as a missing round
    return runs


def database_cpu_ms_per_flow(r):
    """PostgreSQL's CPU over the whole run (warmup included) per flow at the measured rate."""
    d = r.get("database")
    if not d or not r["flows_per_s"]:
        return None
    return 1000 * d["database_cpu_s"] / (r["flows_per_s"] * d["run_s"])


def summary_of(key):
    """A percentile row reads a summary only when it holds samples."""
    def get(r, p):
        s = r[key] if isinstance(key, str) else r[key[0]][key[1]]
        return s[p] if s["count"] else None
    return get


def rows_for(mode):
    rows = [(THROUGHPUT.get(mode, "flows/s"), lambda r: r["flows_per_s"])]
    if mode != "nonce":
        rows += [("flow p50 ms", lambda r: r["flow_ms"]["p50"]), ("flow p99 ms", lambda r: r["flow_ms"]["p99"])]
    for kind in KINDS:
        if mode == "nonce" and kind != "newNonce":
            continue
        get = summary_of(("requests_ms", kind))
        for p in ("p50", "p99", "max"):
            rows.append((f"{kind} {p} ms", lambda r, g=get, p=p: g(r, p)))
    gate = summary_of("gate_wait_ms")
    rows += [(f"gate wait {p} ms", lambda r, p=p: gate(r, p)) for p in ("p50", "p99", "max")]
    if mode == "nonce":  # a newNonce costs microseconds: shown as such, not as 0.01 ms
        rows += [("server CPU us/newNonce", lambda r: 1000 * r["server_cpu_ms_per_flow"]),
                 ("client CPU us/newNonce", lambda r: 1000 * r["client_cpu_ms_per_flow"])]
    else:
        rows += [("server CPU ms/flow", lambda r: r["server_cpu_ms_per_flow"]),
                 ("database CPU ms/flow", database_cpu_ms_per_flow),
                 ("client CPU ms/flow", lambda r: r["client_cpu_ms_per_flow"])]
    rows += [
        ("server CPU cores", lambda r: r["server_cpu_s"] / r["window_s"] if r["server_cpu_s"] is not None and r["window_s"] else None),
        ("errors", lambda r: r["error_count"]),
        ("seconds idle at the end", lambda r: r["idle_at_end_s"]),
    ]
    return rows


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def value(get, r):
    try:
        return get(r)
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def print_table(groups, columns, table):
    """groups: [(title, span)] over the value columns; table: rows of [label] + cells."""
    rows = [["figure"] + columns] + table
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns) + 1)]
    # Widen a group's last column when its title is wider than its columns.
    col = 1
    for title, span in groups:
        room = sum(widths[col:col + span]) + 2 * (span - 1)
        if len(title) > room:
            widths[col + span - 1] += len(title) - room
        col += span
    line = [" " * widths[0]]
    col = 1
    for title, span in groups:
        room = sum(widths[col:col + span]) + 2 * (span - 1)
        line.append(title.center(room, "-"))
        col += span
    print()
    print("  ".join(line))
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def ratio_label(server):
    """cobble -> c/p, cobble-pg -> pg/p."""
    return "c/p" if server == "cobble" else server.removeprefix("cobble-") + "/p"


def main():
    results, modes, servers = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    worker_counts = [int(n) for n in sys.argv[4].split(",")]
    pebble_safe = sys.argv[5] if len(sys.argv) > 5 else "none"
    threads = sys.argv[6] if len(sys.argv) > 6 else "1"
    cobbles = [s for s in servers if s.startswith("cobble")] if "pebble" in servers else []
    # Two servers fit every worker count side by side; more get one table per worker count.
    tables = [worker_counts] if len(servers) <= 2 else [[n] for n in worker_counts]
    summary = {}
    for mode in modes:
        gate = "the gate does not apply (no authz or newOrder)" if mode == "nonce" else GATE[pebble_safe]
        print(f"\n{mode}: {gate}; bench threads: {threads}; medians of the rounds that did not stall"
              + ("; x/p = that Cobble / pebble (< 1 is better for latencies and CPU, > 1 for rates)"
                 if cobbles else ""))
        runs = {n: {s: load(results, mode, n, s) for s in servers} for n in worker_counts}
        usable = {n: {s: [r for r in runs[n][s] if r and not r.get("stalled")] for s in servers}
                  for n in worker_counts}
        per_count = list(servers) + [ratio_label(c) for c in cobbles]
        for counts in tables:
            groups = [(f" {n} workers ", len(per_count)) for n in counts]
            table = []
            for label, get in rows_for(mode):
                row, any_value = [label], False
                for n in counts:
                    meds = {s: median([value(get, r) for r in usable[n][s]]) for s in servers}
                    any_value |= any(m is not None for m in meds.values())
                    row += [fmt(meds[s]) for s in servers]
                    p = meds.get("pebble")
                    row += [fmt(meds[c] / p) if meds[c] is not None and p else "-" for c in cobbles]
                    summary.setdefault(mode, {}).setdefault(str(n), {})[label] = meds
                if any_value:
                    table.append(row)
            for label, counted in (("stalled rounds", lambda x: x and x.get("stalled")),
                                   ("rounds that did not run", lambda x: not x)):
                row = [label]
                for n in counts:
                    row += [f"{sum(1 for x in runs[n][s] if counted(x))}/{len(runs[n][s])}" for s in servers]
                    row += ["-"] * len(cobbles)
                if label == "stalled rounds" or any(c != "-" and not c.startswith("0/") for c in row[1:]):
                    table.append(row)
            print_table(groups, per_count * len(counts), table)
    with open(os.path.join(results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
