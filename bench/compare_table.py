#!/usr/bin/env python3
"""The table of bench/compare.sh: medians over rounds per server, and the ratio cobble/pebble.

Reads RESULTS/<mode>-<server>-<round>.json (one cobble-bench JSON line each). A stalled round
counts in the `stalls` row and is left out of the medians (its figures stop at the stall).
"""
import json
import os
import statistics
import sys

KINDS = ["newNonce", "newOrder", "authz", "challenge", "poll", "finalize", "order", "cert"]
THROUGHPUT = {"always": "flows/s (issued certificates)", "http01": "flows/s (issued certificates)",
              "fail": "failed validations/s", "nonce": "newNonce/s"}


def load(results, mode, server):
    runs = []
    for name in sorted(os.listdir(results)):
        if name.startswith(f"{mode}-{server}-") and name.endswith(".json"):
            try:
                with open(os.path.join(results, name)) as f:
                    runs.append(json.loads(f.read().strip().splitlines()[-1]))
            except (OSError, ValueError, IndexError):
                runs.append(None)  # the bench could not run: counts as a missing round
    return runs


def rows_for(mode):
    rows = [(THROUGHPUT.get(mode, "flows/s"), lambda r: r["flows_per_s"])]
    if mode != "nonce":
        rows += [("flow p50 ms", lambda r: r["flow_ms"]["p50"]), ("flow p99 ms", lambda r: r["flow_ms"]["p99"])]
    for kind in KINDS:
        if mode == "nonce" and kind != "newNonce":
            continue
        for p in ("p50", "p99", "max"):
            rows.append((f"{kind} {p} ms", lambda r, k=kind, p=p: r["requests_ms"][k][p] if r["requests_ms"][k]["count"] else None))
    rows += [
        ("server CPU ms/flow", lambda r: r["server_cpu_ms_per_flow"]),
        ("client CPU ms/flow", lambda r: r["client_cpu_ms_per_flow"]),
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


def main():
    results, modes, servers = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    summary = {}
    for mode in modes:
        runs = {s: load(results, mode, s) for s in servers}
        usable = {s: [r for r in runs[s] if r and not r.get("stalled")] for s in servers}
        header = ["figure (" + mode + ")"] + [f"{s} (median of {len(usable[s])})" for s in servers]
        both = "cobble" in servers and "pebble" in servers
        if both:
            header.append("cobble/pebble")
        table = []
        for label, get in rows_for(mode):
            def value(r):
                try:
                    return get(r)
                except (KeyError, TypeError, ZeroDivisionError):
                    return None
            meds = {s: median([value(r) for r in usable[s]]) for s in servers}
            if all(m is None for m in meds.values()):
                continue
            row = [label] + [fmt(meds[s]) for s in servers]
            if both:
                c, p = meds["cobble"], meds["pebble"]
                row.append(fmt(c / p) if c is not None and p else "-")
            table.append(row)
            summary.setdefault(mode, {})[label] = meds
        stalls = [f"{sum(1 for r in runs[s] if r and r.get('stalled'))}/{len(runs[s])}"
                  + (f" ({sum(1 for r in runs[s] if not r)} did not run)" if any(not r for r in runs[s]) else "")
                  for s in servers]
        table.append(["stalled rounds"] + stalls + (["-"] if both else []))
        widths = [max(len(row[i]) for row in [header] + table) for i in range(len(header))]
        print()
        print("  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header)))
        print("  ".join("-" * w for w in widths))
        for row in table:
            print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
    with open(os.path.join(results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
