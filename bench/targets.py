#!/usr/bin/env python3
"""The performance targets against what bench/all.sh measured: one row per target with the figures,
the ratio and whether it is met. Parts that did not run show as "not run".

usage: targets.py OUT [PEBBLE_SAFE]   (OUT holds always/, fail/, nonce/, soak/ and scale/ as bench/all.sh
leaves them; PEBBLE_SAFE, what compare.sh was given, only labels the table)
"""
import json
import os
import sys

AT = "64"  # the worker count the targets name


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def figure(summary, mode, workers, label, server):
    try:
        return summary[mode][workers][label][server]
    except (KeyError, TypeError):
        return None


def num(v, digits=None):
    if v is None:
        return "-"
    if digits is not None:
        return f"{v:.{digits}f}"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def ratio(a, b):
    return a / b if a is not None and b else None


class Table:
    def __init__(self):
        self.rows = []

    def add(self, target, measured, met):
        verdict = "not run" if met is None else ("met" if met else "NOT met")
        self.rows.append((target, measured, verdict))

    def note(self, what, measured):
        self.rows.append((what, measured, "reported"))

    def print(self):
        head = ("target", "measured", "verdict")
        widths = [max(len(r[i]) for r in self.rows + [head]) for i in range(3)]
        print()
        print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def compare_targets(t, out):
    always = load(os.path.join(out, "always", "summary.json"))
    fail = load(os.path.join(out, "fail", "summary.json"))
    nonce = load(os.path.join(out, "nonce", "summary.json"))

    flows = "flows/s (issued certificates)"
    c, p = figure(always, "always", AT, flows, "cobble"), figure(always, "always", AT, flows, "pebble")
    r = ratio(c, p)
    t.add(f"always-valid flows/s at {AT} workers >= 3x Pebble", f"{num(c)} / {num(p)} = {num(r)}x",
          None if r is None else r >= 3)
    c, p = (figure(always, "always", AT, "flow p99 ms", s) for s in ("cobble", "pebble"))
    r = ratio(c, p)
    t.add(f"flow p99 at {AT} workers <= 1/3 of Pebble's", f"{num(c)} / {num(p)} ms = {num(r)}",
          None if r is None else r <= 1 / 3)
    e = figure(always, "always", AT, "server CPU ms/flow", "cobble-ecdsa")
    t.add(f"server CPU per flow, ECDSA CA, {AT} workers <= 1.0 ms", f"{num(e)} ms", None if e is None else e <= 1.0)
    c, p = (figure(always, "always", AT, "server CPU ms/flow", s) for s in ("cobble", "pebble"))
    t.note(f"server CPU per flow, RSA CA, {AT} workers (Pebble's CA is RSA)",
           f"{num(c)} ms; Pebble {num(p)} ms = {num(ratio(c, p))}")

    if nonce and "nonce" in nonce:
        ratios = {n: ratio(v["newNonce/s"].get("cobble"), v["newNonce/s"].get("pebble"))
                  for n, v in nonce["nonce"].items() if "newNonce/s" in v}
        best = max((n for n in ratios if ratios[n] is not None), key=lambda n: ratios[n], default=None)
        shown = ", ".join(f"{n} workers {num(r)}x" for n, r in ratios.items())
        t.add("newNonce/s >= 2x Pebble (2 bench threads; best worker count)", shown,
              None if best is None else ratios[best] >= 2)
    else:
        t.add("newNonce/s >= 2x Pebble (2 bench threads; best worker count)", "-", None)

    failed = "failed validations/s"
    p = figure(fail, "fail", AT, failed, "pebble")
    for server, what in (("cobble", ""), ("cobble-limits", ", rate limits and pausing on")):
        c = figure(fail, "fail", AT, failed, server)
        r = ratio(c, p)
        t.add(f"zombie: failed validations/s at {AT} workers >= 3x Pebble{what}",
              f"{num(c)} / {num(p)} = {num(r)}x", None if r is None else r >= 3)
        q = figure(fail, "fail", AT, "newOrder p99 ms", server)
        t.add(f"zombie: newOrder p99 < 50 ms while they fail{what}", f"{num(q)} ms (Pebble "
              f"{num(figure(fail, 'fail', AT, 'newOrder p99 ms', 'pebble'))})", None if q is None else q < 50)

    for mode, label, summary in (("always", flows, always), ("fail", failed, fail)):
        s, g = figure(summary, mode, AT, label, "cobble"), figure(summary, mode, AT, label, "cobble-pg")
        cpu = figure(summary, mode, AT, "server CPU ms/flow", "cobble-pg")
        db = figure(summary, mode, AT, "database CPU ms/flow", "cobble-pg")
        t.note(f"PostgreSQL, {mode}, {AT} workers: {label} (SQLite's)",
               f"{num(g)} ({num(s)}, {num(ratio(g, s))}x); CPU ms/flow cobble {num(cpu)} + postgres {num(db)}")


def soak_targets(t, out):
    s = load(os.path.join(out, "soak", "summary.json"))
    if not s:
        t.add("soak at 256 workers: no stall, no error, RSS flat", "-", None)
        return
    growth = s["rss_end_mb"] - s["rss_after_warmup_mb"]
    # Flat: what is left after the warmup grows by less than a tenth (page caches fill to their bound).
    flat = growth <= 0.1 * s["rss_after_warmup_mb"]
    t.add(f"soak {s['duration_s']} s at {s['workers']} workers: no stall, no error, RSS flat",
          f"stalled {s['stalled']}, errors {s['error_count']}, RSS {num(s['rss_after_warmup_mb'])} -> "
          f"{num(s['rss_end_mb'])} MB (max {num(s['rss_max_mb'])}), {num(s['flows_per_s'])} flows/s",
          not s["stalled"] and s["error_count"] == 0 and flat)


def scale_targets(t, out):
    rows = load(os.path.join(out, "scale", "summary.json"))
    if not rows or len(rows) < 2:
        t.add("newOrder p99 at 1 M accounts within 1.5x of 10 k", "-", None)
        return
    first, last = rows[0], max(rows, key=lambda r: r["accounts"])
    r = ratio(last["newOrder_p99"], first["newOrder_p99"])
    t.add(f"newOrder p99 at {last['accounts']:,} accounts within 1.5x of {first['accounts']:,}",
          f"{num(last['newOrder_p99'])} / {num(first['newOrder_p99'])} ms = {num(r)}x",
          None if r is None or last["accounts"] < 1_000_000 else r <= 1.5)


def main():
    out = sys.argv[1]
    gate = {"pebble": "the gate on Pebble only (Cobble at its own pace)",
            "both": "the gate on both servers (the same pacing)"}.get(sys.argv[2] if len(sys.argv) > 2 else "", "")
    t = Table()
    compare_targets(t, out)
    soak_targets(t, out)
    scale_targets(t, out)
    print(f"\nTargets (issue #18), from {out}; ratios from alternating rounds of one run, medians"
          + (f"; {gate}" if gate else "") + ":")
    t.print()


if __name__ == "__main__":
    main()
