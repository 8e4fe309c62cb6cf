#!/usr/bin/env python3
"""complete_vs_strace.py: per-syscall counts of renacer --complete -c against
strace -f on the same run, for every call made after the shim turned
dispatch on in each process image.

    complete_vs_strace.py STRACE EXPORTER WORKDIR -- PROGRAM [ARGS...]

strace -f -k traces renacer-exporter --complete -c running PROGRAM, so both
see the very same processes. In strace's trace of each process, counting
starts at prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON) (the
shim's constructor, or a fork child's first code) and stops at a
successful execve (the next image starts again at its own). Left out, by
what strace -k says made them:
  - the shim's own calls (top frame in librenacer.so other than the
    places it makes the program's calls: rn_sud_issue6, vfork,
    rn_sud_clone_*, the restorers): its arena, its fault-safe reads;
  - the rt_sigreturn that ends each SIGSYS handler (one per trap that
    returns: every trap but exit and exit_group; in a child forked inside
    the handler, its first call).
The exec that started an image is made before that image's dispatch is
on; renacer shows it (the image reports it): it is added to strace's
count, one per image. Prints each syscall whose counts differ; exits 1 if
any does."""
import collections
import glob
import os
import re
import subprocess
import sys


def main():
    strace, exporter, work = sys.argv[1:4]
    prog = sys.argv[sys.argv.index("--") + 1:]
    prefix = os.path.join(work, "st")
    summary = os.path.join(work, "rn.txt")
    for f in glob.glob(prefix + ".*"):
        os.unlink(f)
    # a sanitized exporter: LeakSanitizer cannot run under ptrace
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    r = subprocess.run([strace, "-f", "-ff", "-qq", "-k", "-o", prefix, exporter, "--complete",
                        "-c", "-o", summary, "--", *prog],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=240, env=env)
    if r.returncode != 0:
        print("run failed:", r.returncode, r.stderr.decode(errors="replace")[-2000:])
        return 2
    st = collections.Counter()
    images = 0
    call_re = re.compile(r"^(\w+)\(")
    for f in glob.glob(prefix + ".*"):
        lines = open(f, errors="replace").read().splitlines()
        on = False
        traps = 0
        execd = False
        fork_return = False
        i = 0
        while i < len(lines):
            line = lines[i]
            frames = []
            j = i + 1
            while j < len(lines) and lines[j].startswith(" > "):
                frames.append(lines[j])
                j += 1
            i = j
            if line.startswith("prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON"):
                on = True
                images += execd
                # a child forked inside the SIGSYS handler returns
                # through it: its first call is that handler's return
                fork_return = not execd
                continue
            if line.startswith("execve(") and " = 0" in line:
                on = False
                execd = True
                continue
            if not on:
                continue
            if line.startswith("--- SIGSYS") and "SYS_USER_DISPATCH" in line:
                if "__NR_exit" not in line:
                    traps += 1
                continue
            m = call_re.match(line)
            if not m:
                continue
            if fork_return:
                fork_return = False
                if m.group(1) == "rt_sigreturn":
                    continue
            top = frames[0] if frames else ""
            if "librenacer.so" in top and not any(
                    k in top for k in ("(rn_sud_issue6", "(vfork", "(rn_sud_clone", "(rn_sud_restorer",
                                       "(rn_sud_sigreturn")):
                continue    # the shim's own call
            st[m.group(1)] += 1
        st["rt_sigreturn"] -= traps
    # each image reports the exec that started it (made before its
    # dispatch was on); a fork child is no new image
    st["execve"] += images
    if st["rt_sigreturn"] <= 0:
        del st["rt_sigreturn"]
    rn = collections.Counter()
    for line in open(summary):
        p = line.split()
        if len(p) >= 8 and re.match(r"^\d+\.\d+$", p[0]) and p[-1] != "total":
            rn[p[-1]] += int(p[3])
    bad = 0
    for n in sorted(set(st) | set(rn)):
        if st[n] != rn[n]:
            print(f"{n}: strace {st[n]} renacer {rn[n]}")
            bad = 1
    print(f"total: strace {sum(st.values())} renacer {sum(rn.values())}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
