#!/usr/bin/python3
"""check_jsonl.py FILE: a renacer JSON-lines trace must be strict UTF-8 and
one JSON object per line. Prints: openat paths under /nonexistent/, the
longest one's length, and whether "a<newline>b" survived unescaped."""
import json
import sys

with open(sys.argv[1], "rb") as f:
    lines = [json.loads(l) for l in f.read().decode("utf-8").splitlines()]
paths = [l["path"] for l in lines
         if l.get("syscall") == "openat" and l.get("path", "").startswith("/nonexistent/")]
print(len(paths), max(map(len, paths)), "a\nb" in "".join(paths))
