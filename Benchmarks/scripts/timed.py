#!/usr/bin/env python3
"""Runs one shell command and appends one JSON line about it to a file.

    timed.py OUT.jsonl LABEL ROUND -- COMMAND [ARG...]

Wall time (monotonic), the command's own CPU (user+sys of all waited-for descendants, from
getrusage(RUSAGE_CHILDREN)), its largest peak RSS, the exit code, and how busy the machine
was meanwhile (all-CPU busy seconds from /proc/stat, and the 1-minute load average before and
after), so noise from other work on a shared box shows next to the figure.
"""
import json, os, resource, subprocess, sys, time


def cpu_busy_seconds():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds():
    """CPU used so far by the PostgreSQL servers whose postmaster pids are in
    PGFERRY_BENCH_SERVER_PIDS: the postmaster, its live children, and (through the postmaster's
    cutime/cstime) every backend that has exited. None when the variable is unset."""
    pids = [int(p) for p in os.environ.get("PGFERRY_BENCH_SERVER_PIDS", "").split() if p]
    if not pids:
        return None
    ticks = dict.fromkeys(pids, 0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid in pids:
            ticks[pid] += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        elif ppid in pids:
            ticks[ppid] += sum(int(x) for x in fields[11:13])
    return [ticks[p] / os.sysconf("SC_CLK_TCK") for p in pids]


def server_children():
    pids = {int(p) for p in os.environ.get("PGFERRY_BENCH_SERVER_PIDS", "").split() if p}
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) in pids:
                        children.add(int(entry))
            except OSError:
                pass
    return children


def wait_for_backends_to_exit(before, timeout=5.0):
    """A backend's CPU reaches the postmaster's cutime only once it has exited and been reaped,
    which happens just after the client disconnects: wait (briefly) for that."""
    deadline = time.monotonic() + timeout
    while server_children() - before and time.monotonic() < deadline:
        time.sleep(0.05)


def main():
    out, label, round_ = sys.argv[1], sys.argv[2], sys.argv[3]
    round_ = int(round_) if round_.isdigit() else round_
    command = sys.argv[sys.argv.index("--") + 1:]
    load_before = os.getloadavg()[0]
    busy_before = cpu_busy_seconds()
    server_before = server_cpu_seconds()
    children_before = server_children() if server_before is not None else set()
    start = time.monotonic()
    code = subprocess.call(command)
    wall = time.monotonic() - start
    if server_before is not None:
        wait_for_backends_to_exit(children_before)
    busy = cpu_busy_seconds() - busy_before
    server_after = server_cpu_seconds()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = {
        "method": label, "round": round_, "exit": code, "wall_s": round(wall, 3),
        "cpu_user_s": round(usage.ru_utime, 3), "cpu_sys_s": round(usage.ru_stime, 3),
        "peak_rss_kib": usage.ru_maxrss, "machine_busy_cpu_s": round(busy, 2),
        "machine_cores": os.cpu_count(),
        "server_cpu_s": None if server_before is None else round(sum(server_after) - sum(server_before), 2),
        # one figure per postmaster in PGFERRY_BENCH_SERVER_PIDS order (run.sh: source, target)
        "server_cpu_each_s": None if server_before is None else [round(a - b, 2) for a, b in zip(server_after, server_before)], "load1_before": load_before, "load1_after": os.getloadavg()[0],
    }
    with open(out, "a") as f:
        f.write(json.dumps(record) + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
