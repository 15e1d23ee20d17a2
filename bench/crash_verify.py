#!/usr/bin/env python3
"""Checks a cobble-bench --record file against a Cobble database: every account, order (at the
status the server acknowledged, or a later one) and certificate (byte for byte) a client was told
about must be there. Prints one JSON object of counts; exit status 1 when anything is missing.
usage: crash_verify.py RECORD_FILE DATABASE"""
import hashlib
import json
import sqlite3
import sys

record, database = sys.argv[1], sys.argv[2]
# Stored order statuses (the finalization state) and what may follow each.
LATER = {"pending": {"pending", "processing", "valid", "invalid"}, "valid": {"valid"}}

db = sqlite3.connect("file:%s?mode=ro" % database, uri=True)
counts = {"accounts": 0, "orders": 0, "certificates": 0, "lost": 0}
lost = []
orders = {}  # url -> the latest acknowledged status
for line in open(record, encoding="utf-8"):
    parts = line.split()
    if len(parts) < 2:
        continue  # a line cut by the kill: never written whole, never acknowledged
    kind, url = parts[0], parts[1]
    tail = url.rsplit("/", 1)[-1]
    if kind == "account":
        counts["accounts"] += 1
        if db.execute("select 1 from accounts where id = ?", (int(tail),)).fetchone() is None:
            lost.append(line.strip())
    elif kind == "order" and len(parts) == 3 and parts[2] in LATER:
        orders[url] = parts[2] if orders.get(url) != "valid" else "valid"
    elif kind == "cert" and len(parts) == 3:
        counts["certificates"] += 1
        row = db.execute("select chain_pem from certificates where serial = ?", (tail,)).fetchone()
        if row is None or hashlib.sha256(row[0].encode()).hexdigest() != parts[2]:
            lost.append(line.strip() + (" (missing)" if row is None else " (different bytes)"))
for url, status in orders.items():
    counts["orders"] += 1
    row = db.execute("select status from orders where id = ?", (url.rsplit("/", 1)[-1],)).fetchone()
    if row is None or row[0] not in LATER[status]:
        lost.append("order %s acknowledged %s, stored %s" % (url, status, row[0] if row else "nothing"))
counts["lost"] = len(lost)
print(json.dumps(counts))
for item in lost[:20]:
    print("LOST:", item, file=sys.stderr)
sys.exit(1 if lost else 0)
