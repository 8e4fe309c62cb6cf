#!/usr/bin/python3
"""check_trace_event.py FILE: FILE must be a Chrome trace-event document as
the format's specification describes it (the JSON Object Format:
traceEvents plus metadata) and as Perfetto's JSON importer reads it:
every event has a known phase and that phase's fields with their types;
flow starts and ends pair up by id; counters count what the slices show.
Exits 1 naming the first violation; else prints a summary line:
  processes=N named=N calls=N flows=N execs=N counter_calls=N other_calls=N
"""
import json
import sys
from collections import Counter, defaultdict


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


with open(sys.argv[1], "rb") as f:
    doc = json.loads(f.read().decode("utf-8"))
if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
    fail("not a JSON object with a traceEvents array")
if doc.get("displayTimeUnit") not in (None, "ms", "ns"):
    fail("displayTimeUnit must be ms or ns")

num = (int, float)
need = {
    "X": {"name": str, "ts": num, "dur": num, "pid": int, "tid": int},
    "i": {"name": str, "ts": num, "pid": int},
    "M": {"name": str, "pid": int, "args": dict},
    "C": {"name": str, "ts": num, "pid": int, "args": dict},
    "s": {"name": str, "ts": num, "pid": int, "tid": int, "id": str},
    "f": {"name": str, "ts": num, "pid": int, "tid": int, "id": str},
}
named, pids, flows_s, flows_f = set(), set(), {}, {}
calls, counted, execs = Counter(), Counter(), 0
for n, e in enumerate(doc["traceEvents"]):
    ph = e.get("ph")
    if ph not in need:
        fail("event %d: phase %r" % (n, ph))
    for k, t in need[ph].items():
        if not isinstance(e.get(k), t) or isinstance(e.get(k), bool):
            fail("event %d (%s): field %s is %r" % (n, ph, k, e.get(k)))
    if "ts" in e and e["ts"] < 0 or ph == "X" and e["dur"] < 0:
        fail("event %d: negative time" % n)
    if ph == "i" and e.get("s", "t") not in ("g", "p", "t"):
        fail("event %d: instant scope %r" % (n, e.get("s")))
    if ph == "M":
        if e["name"] == "process_name":
            if not isinstance(e["args"].get("name"), str):
                fail("event %d: process_name without a name" % n)
            named.add(e["pid"])
    elif ph == "C":
        for v in e["args"].values():
            if not isinstance(v, num):
                fail("event %d: counter value %r" % (n, v))
        counted[e["pid"]] += e["args"].get("calls", 0)
    elif ph in ("X", "i") and e.get("cat") == "syscall":
        calls[e["pid"]] += 1
        pids.add(e["pid"])
    elif ph == "i" and e["name"] == "exec":
        execs += 1
    elif ph in ("s", "f"):
        (flows_s if ph == "s" else flows_f)[e["id"]] = e
if set(flows_s) != set(flows_f):
    fail("flow ids without a pair: %s" % (set(flows_s) ^ set(flows_f)))
for i, s in flows_s.items():
    if flows_f[i]["ts"] < s["ts"]:
        fail("flow %s ends before it starts" % i)
if pids - named:
    fail("processes without a name: %s" % (pids - named))
if calls != counted:
    fail("calls/s counters %s disagree with the slices %s" % (dict(counted), dict(calls)))
other = doc.get("otherData", {})
print("processes=%d named=%d calls=%d flows=%d execs=%d counter_calls=%d other_calls=%s" % (
    len(pids), len(named), sum(calls.values()), len(flows_s), execs, sum(counted.values()),
    other.get("calls")))
