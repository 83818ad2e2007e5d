"""Where a follower's apply time goes (follow.py's per-phase CPU table).

While a phase runs, a thread reads every --cpu-interval the CPU time (utime + stime from
/proc/PID/stat) of every process of both PostgreSQL servers (the postmasters' children) and of
pgferry, and the machine's busy time (/proc/stat). After the phase the processes are named by
role — the source's walsender of the follower's slot, the target backend that applies (pgferry's
session or the subscription's apply worker), pgferry itself, and the rest of each server (WAL
writer, checkpointer, the benchmark's own sessions) — and each role gets, from the follower's
resume to the marker applied:

  cpu_s       CPU seconds spent (a process started after the resume counts from 0)
  busy_from   seconds after the resume when it had spent its first 20 ms
  busy_until  seconds after the resume when it had spent all but its last 10 ms
  share       cpu_s / (busy_until - busy_from): near 1.0 = a core busy the whole time

and the CPU it spent while the follower was paused and the writes ran (pgferry's walsender keeps
decoding then; the subscription's is stopped). The role whose busy_until is nearest the
phase's end with a share near 1.0 is the critical path; with 2 cores, the sum of all cpu_s over
the wall says how close the machine was to saturation.
"""
import os, threading, time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def machine_busy_seconds():
    """All cores' non-idle time so far (others' work included)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


class CPUProfile:
    """Samples the CPU of the servers' processes and of `extra` pids until stopped."""

    def __init__(self, server_pids, extra, interval):
        self.server_pids, self.extra, self.interval = server_pids, list(extra), interval
        self.samples, self.marks = [], {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def sample(self):
        while True:
            now = time.monotonic()
            cpu = {}
            for server, postmaster in enumerate(self.server_pids):
                for pid in children(postmaster):
                    value = cpu_seconds(pid)
                    if value is not None:
                        cpu[pid] = (server, value)
            for pid in self.extra:
                value = cpu_seconds(pid)
                if value is not None:
                    cpu[pid] = (None, value)
            self.samples.append((now, cpu, machine_busy_seconds()))
            if self.stopping.wait(self.interval):
                break

    def mark(self, name):
        self.marks[name] = time.monotonic()

    def stop(self):
        self.stopping.set()
        self.thread.join()

    def series(self, pids):
        """Cumulative CPU of `pids` at each sample (a pid not seen yet counts 0, a gone one its last value)."""
        last, out = {}, []
        for when, cpu, _ in self.samples:
            for pid in pids:
                if pid in cpu:
                    last[pid] = cpu[pid][1]
            out.append((when, sum(last.values())))
        return out

    def report(self, roles):
        """roles: name -> pids. Adds `source other` / `target other` (every other server process)."""
        named = {pid for pids in roles.values() for pid in pids}
        seen = {pid: server for _, cpu, _ in self.samples for pid, (server, _) in cpu.items()}
        roles = dict(roles)
        roles["source other"] = [p for p, s in seen.items() if s == 0 and p not in named]
        roles["target other"] = [p for p, s in seen.items() if s == 1 and p not in named]
        paused, resumed, ended = self.marks["paused"], self.marks["resumed"], self.marks["applied"]
        result = {}
        for role, pids in roles.items():
            series = self.series(pids)
            at = lambda moment: next((v for t, v in reversed(series) if t <= moment), 0.0)
            base = at(resumed)
            during = [(t - resumed, v - base) for t, v in series if resumed < t <= ended + self.interval]
            total = during[-1][1] if during else 0.0
            busy_from = next((t for t, v in during if v >= 0.02), None)
            busy_until = next((t for t, v in during if v >= total - 0.01), None) if total >= 0.02 else None
            span = (busy_until - busy_from) if busy_from is not None and busy_until is not None else 0
            result[role] = {"cpu_s": round(total, 3), "paused_cpu_s": round(base - at(paused), 3),
                            "busy_from": busy_from and round(busy_from, 3), "busy_until": busy_until and round(busy_until, 3),
                            "share": round(total / span, 2) if span > 0 else None}
        machine = [(t, b) for t, _, b in self.samples]
        busy = lambda moment: next((b for t, b in reversed(machine) if t <= moment), 0.0)
        wall = ended - resumed
        result["machine"] = {"wall_s": round(wall, 3), "busy_cores": round((busy(ended) - busy(resumed)) / wall, 2) if wall > 0 else None,
                             "samples": len(self.samples)}
        return result


def table(results, phase):
    """Markdown: median per role and follower of one phase's profile."""
    import statistics
    lines = [f"\nCPU during the {phase} phase (median over rounds; seconds after the follower's resume)\n",
             "| follower | role | cpu s | cpu s while paused | busy from | busy until | share of a core |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for follower in ("pgferry", "postgresql"):
        profiles = [r[phase]["cpu"] for r in results if r["follower"] == follower and phase in r and "cpu" in r[phase]]
        if not profiles:
            continue
        med = lambda role, key: (lambda vs: round(statistics.median(vs), 3) if vs else None)(
            [p[role][key] for p in profiles if role in p and p[role].get(key) is not None])
        for role in [k for k in profiles[0] if k != "machine"]:
            lines.append(f"| {follower} | {role} | {med(role, 'cpu_s')} | {med(role, 'paused_cpu_s')} | {med(role, 'busy_from')} | "
                         f"{med(role, 'busy_until')} | {med(role, 'share')} |")
        lines.append(f"| {follower} | (wall; machine busy cores) | {med('machine', 'wall_s')} | | | | {med('machine', 'busy_cores')} |")
    return "\n".join(lines)
