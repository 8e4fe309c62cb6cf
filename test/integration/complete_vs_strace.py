#!/usr/bin/env python3
"""complete_vs_strace.py: per-syscall counts of renacer --complete -c against
strace -f on the same run, for every call made after the shim turned
dispatch on in each process image.

    complete_vs_strace.py STRACE EXPORTER WORKDIR -- PROGRAM [ARGS...]

strace -f -i traces renacer-exporter --complete -c running PROGRAM, so both
see the very same processes. In strace's trace of each process, counting
starts at prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON) (the
shim's constructor, or a fork child's first code) and stops at a
successful execve (the next image starts again at its own). Left out, by
where the call was made (-i: the instruction pointer, against where the
process mapped librenacer.so and the library's symbol table; no stack
unwinding, which made -k runs several times slower):
  - the shim's own calls (made in librenacer.so, outside the places it
    makes the program's calls: rn_sud_issue6, vfork, rn_sud_clone_*, the
    restorers): its arena, its fault-safe reads;
  - the rt_sigreturn that ends each SIGSYS handler (one per trap that
    returns: every trap but exit, exit_group and a successful execve; in
    a child forked inside the handler, its first call).
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

# where the shim makes the program's calls: counted as the program's
PROGRAM_SITES = ("rn_sud_issue6", "vfork", "rn_sud_clone", "rn_sud_restorer", "rn_sud_sigreturn")
LINE_RE = re.compile(r"^\[([0-9a-f]+)\] (.*)$")
CALL_RE = re.compile(r"^(\w+)\(")
RET_RE = re.compile(r"\) += (-?\w+)")


def symbols(lib):
    """[(start, end, is_program_site)] of librenacer.so's functions"""
    out = subprocess.run(["nm", "-S", "--defined-only", lib], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW":
            a, n = int(p[0], 16), int(p[1], 16)
            syms.append((a, a + n, p[3].startswith(PROGRAM_SITES)))
    return syms


def parse(path):
    """[(ip, text)] of one process's trace"""
    ev = []
    for line in open(path, errors="replace"):
        m = LINE_RE.match(line.rstrip("\n"))
        if m:
            ev.append((int(m.group(1), 16), m.group(2)))
    return ev


def scan_bases(ev):
    """events that change or hand on where librenacer.so is mapped:
    ('base', addr), ('exec',), ('child', pid)"""
    out = []
    lib_fd = None
    for _, text in ev:
        if text.startswith("openat(") and "librenacer.so\"" in text:
            m = RET_RE.search(text)
            lib_fd = m.group(1) if m else None
        elif lib_fd is not None and text.startswith("mmap(") and text.split(", ")[4] == lib_fd:
            out.append(("base", int(RET_RE.search(text).group(1), 16)))
            lib_fd = None
        elif text.startswith("execve(") and text.endswith(" = 0"):
            out.append(("exec",))
        elif re.match(r"^(clone|clone3|fork|vfork)\(", text):
            m = RET_RE.search(text)
            if m and m.group(1).isdigit() and m.group(1) != "0":
                out.append(("child", int(m.group(1))))
    return out


def main():
    strace, exporter, work = sys.argv[1:4]
    prog = sys.argv[sys.argv.index("--") + 1:]
    lib = os.path.join(os.path.dirname(os.path.abspath(exporter)), "librenacer.so")
    syms = symbols(lib)
    text_lo = min(a for a, _, _ in syms)
    text_hi = max(b for _, b, _ in syms)
    prefix = os.path.join(work, "st")
    summary = os.path.join(work, "rn.txt")
    for f in glob.glob(prefix + ".*"):
        os.unlink(f)
    # a sanitized exporter: LeakSanitizer cannot run under ptrace
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    r = subprocess.run([strace, "-f", "-ff", "-qq", "-i", "-o", prefix, exporter, "--complete",
                        "-c", "-o", summary, "--", *prog],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=240, env=env)
    if r.returncode != 0:
        print("run failed:", r.returncode, r.stderr.decode(errors="replace")[-2000:])
        return 2
    traces = {int(f.rsplit(".", 1)[1]): parse(f) for f in glob.glob(prefix + ".*")}
    # where each process starts with librenacer.so: its parent's mapping
    # at the clone (an exec maps it again)
    changes = {pid: scan_bases(ev) for pid, ev in traces.items()}
    children = {c[1] for ch in changes.values() for c in ch if c[0] == "child"}
    start = {}
    todo = [(pid, None) for pid in traces if pid not in children]
    while todo:
        pid, base = todo.pop()
        start[pid] = base
        for c in changes.get(pid, []):
            if c[0] == "base":
                base = c[1]
            elif c[0] == "exec":
                base = None
            elif c[1] in traces:
                todo.append((c[1], base))

    def shim_own(ip, base):
        if base is None:
            return False
        off = ip - base - 2     # the syscall instruction (ip is after it)
        if not text_lo <= off < text_hi:
            return False
        for a, b, site in syms:
            if a <= off < b:
                return not site
        return True

    st = collections.Counter()
    images = 0
    for pid, ev in traces.items():
        base = start.get(pid)
        lib_fd = None
        on = False
        traps = 0
        execd = False
        fork_return = False
        last_trap = None
        for ip, line in ev:
            # where librenacer.so is, as scan_bases follows it
            if line.startswith("openat(") and "librenacer.so\"" in line:
                m = RET_RE.search(line)
                lib_fd = m.group(1) if m else None
            elif lib_fd is not None and line.startswith("mmap(") and line.split(", ")[4] == lib_fd:
                base = int(RET_RE.search(line).group(1), 16)
                lib_fd = None
            if line.startswith("prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON"):
                on = True
                images += execd
                # a child forked inside the SIGSYS handler returns
                # through it: its first call is that handler's return
                fork_return = not execd
                continue
            if line.startswith("execve(") and line.endswith(" = 0"):
                if on and last_trap in ("__NR_execve", "__NR_execveat"):
                    traps -= 1  # made from the handler: it never returns
                on = False
                execd = True
                base = None
                continue
            if not on:
                continue
            if line.startswith("--- SIGSYS") and "SYS_USER_DISPATCH" in line:
                last_trap = re.search(r"si_syscall=(\w+)", line).group(1)
                if last_trap not in ("__NR_exit", "__NR_exit_group"):
                    traps += 1
                continue
            m = CALL_RE.match(line)
            if not m:
                continue
            if fork_return:
                fork_return = False
                if m.group(1) == "rt_sigreturn":
                    continue
            if shim_own(ip, base):
                continue
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
