#!/usr/bin/env python3
"""check_summary_json.py: the JSON summary of -c/-C --format json (stdin).

Default: stdin is a -C --format json run: call lines then one summary
object; the summary's calls, errors and total time per syscall must equal
the sums over the call lines of the same run.
--vs-text: stdin is a -c text table followed by a -c --format json
summary of a run making the same calls: calls and errors per syscall equal.
Exits 0 when they agree, 1 with the differences on stderr.
"""
import json
import sys


def rows_of(summary):
    return {r["syscall"]: r for r in summary["syscalls"]}


def main():
    data = sys.stdin.read()
    bad = []
    if "--vs-text" in sys.argv:
        text, _, js = data.partition("{")
        summary = json.loads("{" + js)
        table = {}
        for line in text.splitlines()[2:]:
            w = line.split()
            if len(w) < 5 or w[0].startswith("-") or w[-1] == "total" or w[0] == "renacer:":
                continue
            errs = int(w[4]) if len(w) == 9 else 0
            table[w[-1]] = (int(w[3]), errs)
        js_rows = {k: (v["calls"], v["errors"]) for k, v in rows_of(summary).items()}
        if table != js_rows:
            bad.append("text %r != json %r" % (table, js_rows))
    else:
        lines = [json.loads(l) for l in data.splitlines() if l.strip()]
        summary = lines[-1]
        if summary.get("event") != "summary":
            bad.append("last line is not the summary: %r" % summary)
        sums = {}
        for ev in lines[:-1]:
            if "syscall" not in ev:
                continue
            s = sums.setdefault(ev["syscall"], [0, 0, 0])
            s[0] += 1
            s[1] += 1 if "errno" in ev else 0
            s[2] += ev.get("dur_ns", 0)
        rows = rows_of(summary)
        for name, (calls, errs, ns) in sums.items():
            r = rows.get(name)
            if not r or (r["calls"], r["errors"], r["total_ns"]) != (calls, errs, ns):
                bad.append("%s: lines %r, summary %r" % (name, (calls, errs, ns), r))
        if set(rows) != set(sums):
            bad.append("rows %r != names %r" % (sorted(rows), sorted(sums)))
        tot = summary["total"]
        if tot["calls"] != sum(v[0] for v in sums.values()):
            bad.append("total %r" % tot)
    for b in bad:
        print(b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
