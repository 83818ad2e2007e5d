#!/usr/bin/env python3
"""The --follow benchmark (Benchmarks/run.sh --follow): pgferry's apply side by side with
PostgreSQL's own logical replication (a subscription), on the same source, target and workload.

    follow.py --source-port P --target-port P --pgferry PATH --bindir DIR --json OUT [options]

run.sh starts the two clusters (the source with wal_level = logical) and builds pgferry; this
script does the rest, rounds interleaved (odd rounds pgferry first, even rounds PostgreSQL first):

  pgferry     `pgferry migrate --follow` into the target database `ferry`, one run per round (the
              copy is untimed), paused with SIGSTOP / SIGCONT, cut over with SIGINT at the end of
              the round: the run must exit 0 with follow state `done` (its row-count compare passed).
  postgresql  a publication `bench_pub` and a pgoutput slot `bench_sub` made once on the quiet
              source, the tables copied at that point by pgferry (without --follow) into the target
              database `sub`, then `CREATE SUBSCRIPTION … WITH (copy_data = false, create_slot =
              false, slot_name = 'bench_sub')`; paused with ALTER SUBSCRIPTION DISABLE / ENABLE.
              Before its round it catches up (untimed) on what pgferry's round wrote.

Per round and follower:
  backlog  N small queue transactions (pgbench -c C: push 2 : lease 1 : ack 1; a lease also logs
           into `events`, keyed by an identity GENERATED ALWAYS column) written while the follower
           is paused, then the materialized view refreshed; then the marker row is bumped and the
           follower resumed: the figure is the time until the target shows the marker (every
           earlier commit is applied then, as both apply in commit order). Rows = the source's
           n_tup_ins + n_tup_upd + n_tup_del delta.
  large    the same with three large transactions (insert, update, delete of L rows each).
  lag R    pgbench -R R for S seconds; the slot's lag, pg_current_wal_flush_lsn() -
           confirmed_flush_lsn (decoding reads only flushed WAL), sampled every second; then the
           marker and the time to drain. Keeps up = drained within 2 s of the load's end. A follower
           more than --lag-cap-mb behind has the load stopped early (so a slow one cannot run the
           benchmark past its time budget; its lag figures then cover the load until then). The
           materialized view is refreshed every --refresh-seconds meanwhile.
  cutover  pgferry only, after the lag: per --cutover-rates rate, pgbench -R rate for
           --cutover-load-seconds, then SIGINT the moment it stops (writes stopped): the cutover
           window is SIGINT to the run's exit with follow state done, its parts as pgferry reports
           them (follow.cutover in its --json output); a new run (copy untimed) for the next rate.
The load commits asynchronously on the source (--source-synchronous-commit off: the writer is
not what is measured); the marker commits synchronously, which flushes everything before it.
Each round ends with the target's tables compared with the source's (md5 of every row, ordered by key);
whether pgferry's target has the materialized view as of cutover (equal to the source's refreshed
then) is recorded (matview_fresh), not required.
"""
import argparse, json, os, re, signal, statistics, subprocess, sys, threading, time

from follow_cpu import CPUProfile, table as cpu_table

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "follow")
TABLES = ("messages", "consumed", "events")
MATVIEW = "follow.queue_depth"


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Session:
    """One long-lived psql: a query costs a round trip, not a process start (the marker is
    polled every 20 ms)."""

    def __init__(self, port, database):
        self.process = subprocess.Popen(
            ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port),
             "-U", "postgres", "-d", database],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.name = f"{database}@{port}"

    def rows(self, sql):
        self.process.stdin.write(sql.strip().rstrip(";") + ";\n\\echo __end__\n")
        self.process.stdin.flush()
        rows = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"psql {self.name} ended (see its error above) running: {sql.strip()[:200]}")
            line = line.rstrip("\n")
            if line == "__end__":
                return rows
            rows.append(line.split("\t"))

    def value(self, sql):
        rows = self.rows(sql)
        return rows[0][0] if rows else None

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def wait_for(what, condition, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Bench:
    def __init__(self, args):
        self.args = args
        self.source_url = f"postgresql://postgres@127.0.0.1:{args.source_port}/{args.database}"
        self.target_url = lambda db: f"postgresql://postgres@127.0.0.1:{args.target_port}/{db}"
        self.source = None

    # --- databases -----------------------------------------------------------------------------
    def psql_file(self, port, database, path, *variables):
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                   "-d", database, "-f", path]
        for variable in variables:
            command += ["-v", variable]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def create_databases(self):
        a = self.args
        # A kept work directory (run.sh --keep) holds the previous run's subscription and slots.
        target_admin = Session(a.target_port, "postgres")
        if target_admin.value("SELECT 1 FROM pg_database WHERE datname = 'sub'"):
            sub = Session(a.target_port, "sub")
            if sub.value("SELECT 1 FROM pg_subscription WHERE subname = 'bench_sub'"):
                sub.rows("ALTER SUBSCRIPTION bench_sub DISABLE")
                sub.rows("ALTER SUBSCRIPTION bench_sub SET (slot_name = NONE)")
                sub.rows("DROP SUBSCRIPTION bench_sub")
            sub.close()
        for db in ("ferry", "sub"):
            target_admin.rows(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            target_admin.rows(f"CREATE DATABASE {db}")
        target_admin.close()
        admin = Session(a.source_port, "postgres")
        wait_for("the previous run's walsenders to end", lambda: admin.value(
            f"SELECT count(*) = 0 FROM pg_replication_slots WHERE database = '{a.database}' AND active") == "t", a.timeout)
        admin.rows(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{a.database}'")
        admin.rows(f'DROP DATABASE IF EXISTS "{a.database}"')
        admin.rows(f'CREATE DATABASE "{a.database}"')
        admin.close()
        self.psql_file(a.source_port, a.database, os.path.join(WORKLOAD, "schema.sql"), f"preload={a.preload}",
                       "identity=" + a.identity.replace("-", " ").upper())
        self.source = Session(a.source_port, a.database)

    def bump_marker(self):
        return int(self.source.value("UPDATE follow.bench_marker SET value = value + 1 WHERE id = 1 RETURNING value"))

    def source_changes(self):
        """Rows the source's transactions inserted, updated and deleted so far (the marker aside)."""
        self.source.rows("SELECT pg_stat_clear_snapshot()")
        return int(self.source.value(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables "
            "WHERE schemaname = 'follow' AND relname <> 'bench_marker'"))

    def checksums(self, session):
        return [session.value(f"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t.id)), '') "
                              f"FROM follow.{table} t") for table in TABLES]

    def pgbench(self, *options, progress=False):
        a = self.args
        command = ["pgbench", "-n", "-h", "127.0.0.1", "-p", str(a.source_port), "-U", "postgres",
                   "-c", str(a.clients), "-j", str(min(a.clients, 2)), "-D", f"preload={a.preload}",
                   "-f", os.path.join(WORKLOAD, "push.sql") + "@2", "-f", os.path.join(WORKLOAD, "lease.sql") + "@1",
                   "-f", os.path.join(WORKLOAD, "ack.sql") + "@1", *options]
        if progress:
            command += ["-P", "1"]
        command.append(a.database)
        environment = dict(os.environ, PGOPTIONS=f"-c synchronous_commit={a.source_synchronous_commit}")
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)

    # --- measurements -------------------------------------------------------------------------
    def timed_apply(self, follower, write):
        """Pauses the follower, runs write() on the source, bumps the marker, resumes the follower
        and times until its target shows the marker. Returns (seconds, rows)."""
        self.catch_up(follower)
        before = self.source_changes()
        profile = CPUProfile(self.server_pids(), follower.client_pids(), self.args.cpu_interval).start()
        follower.pause()
        profile.mark("paused")
        write()
        marker = self.bump_marker()
        start = time.monotonic()
        profile.mark("resumed")
        follower.resume()
        wait_for(f"{follower.name} to apply the backlog", lambda: follower.applied(marker), self.args.timeout)
        seconds = time.monotonic() - start
        profile.mark("applied")
        profile.stop()
        self.cpu = profile.report(follower.roles())
        return seconds, self.source_changes() - before

    def server_pids(self):
        """The postmasters (run.sh exports them; else the parents of a session's backend)."""
        if os.environ.get("PGFERRY_BENCH_SERVER_PIDS"):
            return [int(p) for p in os.environ["PGFERRY_BENCH_SERVER_PIDS"].split()]
        pids = []
        for port in (self.args.source_port, self.args.target_port):
            session = Session(port, "postgres")
            with open(f"/proc/{session.value('SELECT pg_backend_pid()')}/stat") as f:
                pids.append(int(f.read().rsplit(")", 1)[1].split()[1]))
            session.close()
        return pids

    def catch_up(self, follower):
        marker = self.bump_marker()
        wait_for(f"{follower.name} to catch up", lambda: follower.applied(marker), self.args.timeout)

    def backlog(self, follower):
        a = self.args
        per_client = max(1, a.backlog // a.clients)

        def write():
            run = self.pgbench("-t", str(per_client))
            output, _ = run.communicate()
            if run.returncode != 0:
                raise RuntimeError(f"pgbench failed:\n{output}")
            self.source.rows(f"REFRESH MATERIALIZED VIEW {MATVIEW}")

        seconds, rows = self.timed_apply(follower, write)
        transactions = per_client * a.clients
        return {"seconds": round(seconds, 3), "rows": rows, "transactions": transactions,
                "rows_per_s": round(rows / seconds, 1), "tx_per_s": round(transactions / seconds, 1), "cpu": self.cpu}

    def large(self, follower):
        n = self.args.large_rows
        counts = []

        # Rows counted from the statements: this session's own statistics reach
        # pg_stat_user_tables only up to 10 s later.
        def write():
            for statement in (
                f"INSERT INTO follow.messages (queue, payload) SELECT 'bulk', "
                f"jsonb_build_object('n', g, 'body', repeat('b', 150)) FROM generate_series(1, {n}) g RETURNING 1",
                f"UPDATE follow.messages SET attempts = attempts + 1, status = 'retried' WHERE id <= {n} RETURNING 1",
                "DELETE FROM follow.messages WHERE queue = 'bulk' RETURNING 1",
            ):
                counts.append(int(self.source.value(f"WITH changed AS ({statement}) SELECT count(*) FROM changed")))

        seconds, _ = self.timed_apply(follower, write)
        rows = sum(counts)
        return {"seconds": round(seconds, 3), "rows": rows, "transactions": 3, "rows_per_s": round(rows / seconds, 1),
                "cpu": self.cpu}

    def lag(self, follower, rate):
        a = self.args
        self.catch_up(follower)
        samples, stop, capped = [], threading.Event(), threading.Event()
        sampler_session = Session(a.source_port, a.database)
        run = self.pgbench("-R", str(rate), "-T", str(a.lag_seconds), progress=True)
        refresher = self.refreshing(stop)

        def sample():
            while not stop.wait(1.0):
                lag = int(float(sampler_session.value(
                    f"SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), confirmed_flush_lsn) FROM pg_replication_slots "
                    f"WHERE slot_name = '{follower.slot}'") or 0))
                samples.append(lag)
                if lag > a.lag_cap_mb * 1_000_000 and not capped.is_set():
                    capped.set()
                    run.send_signal(signal.SIGINT)

        sampler = threading.Thread(target=sample, daemon=True)
        started = time.monotonic()
        sampler.start()
        output, _ = run.communicate()
        load_seconds = time.monotonic() - started
        stop.set()
        sampler.join()
        refresher.join()
        sampler_session.close()
        if run.returncode != 0 and not capped.is_set():
            raise RuntimeError(f"pgbench failed:\n{output}")
        marker = self.bump_marker()
        drain_start = time.monotonic()
        wait_for(f"{follower.name} to drain the load", lambda: follower.applied(marker), self.args.timeout)
        drain = time.monotonic() - drain_start
        progress = [float(m) for m in re.findall(r"^progress: [\d.]+ s, ([\d.]+) tps", output, re.M)]
        return {"rate": rate, "load_seconds": round(load_seconds, 1), "source_tx_per_s": round(statistics.mean(progress), 1) if progress else None,
                "lag_median_bytes": int(statistics.median(samples)) if samples else None,
                "lag_max_bytes": max(samples) if samples else None, "samples": samples,
                "drain_seconds": round(drain, 3), "capped": capped.is_set(),
                "keeps_up": not capped.is_set() and drain <= 2.0}

    def refreshing(self, stop):
        """A thread refreshing the materialized view every --refresh-seconds until stop is set."""
        def refresh():
            session = Session(self.args.source_port, self.args.database)
            while not stop.wait(self.args.refresh_seconds):
                session.rows(f"REFRESH MATERIALIZED VIEW {MATVIEW}")
            session.close()

        thread = threading.Thread(target=refresh, daemon=True)
        thread.start()
        return thread

    def cutover_window(self, follower, rate):
        """pgbench -R rate for --cutover-load-seconds (the view refreshed meanwhile), then the
        cutover asked the moment the load stops (writes stopped): the window is SIGINT to the
        run's exit with follow state done, its parts as pgferry reports them."""
        if follower.process.poll() is not None:
            follower.start()
        self.catch_up(follower)
        stop = threading.Event()
        refresher = self.refreshing(stop)
        run = self.pgbench("-R", str(rate), "-T", str(self.args.cutover_load_seconds), progress=True)
        output, _ = run.communicate()
        stop.set()
        refresher.join()
        if run.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{output}")
        result = follower.finish()
        progress = [float(m) for m in re.findall(r"^progress: [\d.]+ s, ([\d.]+) tps", output, re.M)]
        result.update({"rate": rate, "source_tx_per_s": round(statistics.mean(progress), 1) if progress else None})
        self.verify(follower)
        # The source's view is as of its last refresh; the target's should be as of cutover, the
        # source's tables now.
        self.source.rows(f"REFRESH MATERIALIZED VIEW {MATVIEW}")
        result["matview_fresh"] = self.matview(self.source) == self.matview(follower.target)
        return result

    def matview(self, session):
        return session.value(f"SELECT count(*) || ' ' || coalesce(md5(string_agg(v::text, E'\\n' ORDER BY v::text)), '') "
                             f"FROM {MATVIEW} v")

    def verify(self, follower):
        """The target's tables equal the source's, row for row (the source is quiet now)."""
        source, target = self.checksums(self.source), self.checksums(follower.target)
        if source != target:
            raise RuntimeError(f"{follower.name}: the target differs from the source: source {source}, target {target}")
        return True

    def round(self, follower, number):
        say(f"round {number}: {follower.name}: starting")
        follower.start()
        result = {"follower": follower.name, "round": number}
        result["backlog"] = self.backlog(follower)
        say(f"round {number}: {follower.name}: backlog " + str({k: v for k, v in result['backlog'].items() if k != 'cpu'}))
        if self.args.large_rows:
            result["large"] = self.large(follower)
            say(f"round {number}: {follower.name}: large " + str({k: v for k, v in result['large'].items() if k != 'cpu'}))
        result["lag"] = []
        for rate in self.args.rates:
            lag = self.lag(follower, rate)
            say(f"round {number}: {follower.name}: lag at {rate} tx/s: "
                + str({k: v for k, v in lag.items() if k != 'samples'}))
            result["lag"].append(lag)
        self.catch_up(follower)
        if isinstance(follower, PgFerry):
            result["cutover"] = []
            for rate in self.args.cutover_rates:
                window = self.cutover_window(follower, rate)
                say(f"round {number}: pgferry: cutover after {rate} tx/s: {window}")
                result["cutover"].append(window)
        else:
            result.update(follower.finish())
        result["verified"] = self.verify(follower)
        say(f"round {number}: {follower.name}: verified (row checksums equal)")
        return result


class PgFerry:
    """`pgferry migrate --follow`, a new run every round (the copy untimed), cut over by SIGINT."""
    name = "pgferry"

    def __init__(self, bench):
        self.bench, self.process, self.target = bench, None, None
        self.slot = None

    def start(self):
        b = self.bench
        log_dir = b.args.logs
        self.output = open(os.path.join(log_dir, "pgferry-follow.json"), "w")
        self.errors = open(os.path.join(log_dir, "pgferry-follow.log"), "a")
        self.process = subprocess.Popen(
            [b.args.pgferry, "migrate", "--source", b.source_url, "--target", b.target_url("ferry"), "--schema", "follow",
             "--follow", "--stall-timeout", "0", "--json", "--log-level", "info"],
            stdout=self.output, stderr=self.errors)

        def streaming():
            if self.process.poll() is not None:
                raise RuntimeError(f"pgferry exited with {self.process.returncode} before following (see {log_dir}/pgferry-follow.log)")
            return b.source.value(
                "SELECT s.slot_name FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid "
                "WHERE s.slot_name LIKE 'pgferry\\_%' AND s.database = current_database() AND r.state = 'streaming'")

        self.slot = wait_for("pgferry to copy and start streaming", streaming, b.args.timeout, interval=0.2)
        self.target = Session(b.args.target_port, "ferry")

    def client_pids(self):
        return [self.process.pid]

    def roles(self):
        """The processes that apply, by role (read while the run follows)."""
        b = self.bench
        return {"walsender": [int(b.source.value(f"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{self.slot}'"))],
                "target backend": [int(r[0]) for r in self.target.rows(
                    "SELECT pid FROM pg_stat_activity WHERE datname = 'ferry' AND application_name = 'pgferry'")],
                "pgferry": [self.process.pid]}

    def applied(self, marker):
        if self.process.poll() is not None:
            raise RuntimeError(f"pgferry exited with {self.process.returncode} while following")
        return int(self.target.value("SELECT value FROM follow.bench_marker WHERE id = 1")) >= marker

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def kill(self):
        """After a failure: a paused run would otherwise outlive the benchmark."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()

    def finish(self):
        """Cuts over (SIGINT): the run must end with exit 0 and follow state done."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=self.bench.args.timeout)
        seconds = time.monotonic() - started
        self.output.close()
        self.errors.close()
        self.target.close()
        self.target = Session(self.bench.args.target_port, "ferry")
        with open(self.output.name) as f:
            text = f.read()
        try:
            progress = json.loads(text)
        except ValueError:
            progress = {}
        follow = progress.get("follow") or {}
        if code != 0 or follow.get("state") != "done":
            raise RuntimeError(f"pgferry's cutover failed (exit {code}, follow state {follow.get('state')}): "
                               f"{progress.get('error') or text[-2000:]}")
        say(f"pgferry: cut over in {seconds:.3f} s at {follow.get('endLSN')}, {follow.get('transactionsApplied')} transactions "
            f"and {follow.get('rowsApplied')} rows applied")
        # The window's parts as the run timed them; the rest is the signal's delivery and the exit.
        parts = {p["name"]: round(p["seconds"], 4) for p in (follow.get("cutover") or {}).get("parts", [])}
        parts["signal and exit"] = round(seconds - sum(parts.values()), 4)
        return {"seconds": round(seconds, 4), "parts": parts,
                "applied_transactions": follow.get("transactionsApplied"), "applied_rows": follow.get("rowsApplied")}


class Subscription:
    """PostgreSQL's own apply worker on the same kind of slot, set up once."""
    name = "postgresql"
    slot = "bench_sub"

    def __init__(self, bench):
        self.bench = bench
        b, a = bench, bench.args
        # FOR TABLE, not 15's FOR TABLES IN SCHEMA: the mode runs on 14 (run.sh --postgres 14) too.
        b.source.rows("CREATE PUBLICATION bench_pub FOR TABLE " + ", ".join(f"follow.{t}" for t in TABLES + ("bench_marker",)))
        # The source is quiet: the slot's start and the copy below see the same data.
        b.source.rows(f"SELECT pg_create_logical_replication_slot('{self.slot}', 'pgoutput')")
        copy = subprocess.run([a.pgferry, "migrate", "--source", b.source_url, "--target", b.target_url("sub"),
                               "--schema", "follow", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if copy.returncode != 0:
            raise RuntimeError(f"pgferry migrate into the subscription's target failed: {copy.stderr}")
        self.target = Session(a.target_port, "sub")
        # ENABLE wakes the launcher, but it starts a worker at most once per
        # wal_retrieve_retry_interval (5 s): left so, resume would time the launcher's wait.
        self.target.rows("ALTER SYSTEM SET wal_retrieve_retry_interval = '50ms'")
        self.target.rows("SELECT pg_reload_conf()")
        self.target.rows(
            f"CREATE SUBSCRIPTION bench_sub CONNECTION 'host=127.0.0.1 port={a.source_port} user=postgres dbname={a.database}' "
            f"PUBLICATION bench_pub WITH (copy_data = false, create_slot = false, slot_name = '{self.slot}', enabled = false, "
            f"synchronous_commit = '{a.subscription_synchronous_commit}')")

    def start(self):
        self.resume()

    def applied(self, marker):
        return int(self.target.value("SELECT value FROM follow.bench_marker WHERE id = 1")) >= marker

    def client_pids(self):
        return []

    def roles(self):
        return {"walsender": [int(self.bench.source.value(f"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{self.slot}'"))],
                "target backend": [int(r[0]) for r in self.target.rows(
                    "SELECT pid FROM pg_stat_subscription WHERE subname = 'bench_sub' AND relid IS NULL")]}

    def pause(self):
        self.target.rows("ALTER SUBSCRIPTION bench_sub DISABLE")
        wait_for("the subscription's walsender to stop", lambda: self.bench.source.value(
            f"SELECT NOT active FROM pg_replication_slots WHERE slot_name = '{self.slot}'") == "t", self.bench.args.timeout)

    def resume(self):
        self.target.rows("ALTER SUBSCRIPTION bench_sub ENABLE")

    def finish(self):
        self.pause()
        return {}


def summarize(results, args):
    """Medians per follower and the ratio pgferry / PostgreSQL."""
    def median(follower, pick):
        values = [v for r in results if r["follower"] == follower for v in [pick(r)] if v is not None]
        return statistics.median(values) if values else None

    figures = [("backlog rows/s", lambda r: r["backlog"]["rows_per_s"], "higher"),
               ("backlog tx/s", lambda r: r["backlog"]["tx_per_s"], "higher"),
               ("backlog apply s", lambda r: r["backlog"]["seconds"], "lower")]
    if args.large_rows:
        figures += [("large rows/s", lambda r: r["large"]["rows_per_s"], "higher"),
                    ("large apply s", lambda r: r["large"]["seconds"], "lower")]
    for i, rate in enumerate(args.rates):
        figures += [(f"lag {rate} tx/s: source tx/s", lambda r, i=i: r["lag"][i]["source_tx_per_s"], "same"),
                    (f"lag {rate} tx/s: median bytes", lambda r, i=i: r["lag"][i]["lag_median_bytes"], "lower"),
                    (f"lag {rate} tx/s: max bytes", lambda r, i=i: r["lag"][i]["lag_max_bytes"], "lower"),
                    (f"lag {rate} tx/s: drain s", lambda r, i=i: r["lag"][i]["drain_seconds"], "lower")]
    summary = []
    for i, rate in enumerate(args.cutover_rates):
        parts = [name for r in results if r["follower"] == "pgferry" for name in r["cutover"][i]["parts"]]
        figures += [(f"cutover window after {rate} tx/s, s", lambda r, i=i: r["cutover"][i]["seconds"] if "cutover" in r else None, "lower")]
        figures += [(f"  {name}, s", lambda r, i=i, name=name: r["cutover"][i]["parts"].get(name) if "cutover" in r else None, "lower")
                    for name in dict.fromkeys(parts)]
    for label, pick, better in figures:
        ferry, postgres = median("pgferry", pick), median("postgresql", pick)
        ratio = round(ferry / postgres, 2) if ferry is not None and postgres else None
        summary.append({"figure": label, "pgferry": ferry, "postgresql": postgres, "ratio": ratio, "better": better})
    keeps = {f"lag {rate} tx/s: keeps up": {name: [r["lag"][i]["keeps_up"] for r in results if r["follower"] == name]
                                            for name in ("pgferry", "postgresql")}
             for i, rate in enumerate(args.rates)}
    return summary, keeps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-port", type=int, required=True)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--pgferry", required=True)
    parser.add_argument("--json", required=True, help="results file")
    parser.add_argument("--logs", required=True, help="directory for pgferry's output")
    parser.add_argument("--database", default="follow_bench")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--preload", type=int, default=100_000, help="rows in messages before the first round")
    parser.add_argument("--backlog", type=int, default=10_000, help="small transactions in the paused backlog")
    parser.add_argument("--large-rows", type=int, default=20_000, help="rows per large transaction (0: skip)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rates", default="1000,5000", help="pgbench -R rates for the lag test, tx/s")
    parser.add_argument("--lag-seconds", type=int, default=30)
    parser.add_argument("--lag-cap-mb", type=float, default=4)
    parser.add_argument("--cutover-rates", default="1000,5000", help="pgbench -R rates just before pgferry's cutover, tx/s")
    parser.add_argument("--cutover-load-seconds", type=int, default=10, help="how long that load runs before the cutover")
    parser.add_argument("--refresh-seconds", type=float, default=5, help="the materialized view's refresh interval under load")
    parser.add_argument("--identity", choices=("always", "by-default"), default="always",
                        help="events.id GENERATED ALWAYS (the default) or BY DEFAULT AS IDENTITY")
    parser.add_argument("--source-synchronous-commit", default="off",
                        help="the load's commits on the source (off: the writer is not the bottleneck; the marker always commits synchronously)")
    parser.add_argument("--subscription-synchronous-commit", default="off", help="the subscription's synchronous_commit (PostgreSQL's default: off)")
    parser.add_argument("--cpu-interval", type=float, default=0.02,
                        help="seconds between the CPU samples of the servers' processes and pgferry during backlog and large")
    parser.add_argument("--timeout", type=float, default=300, help="seconds any one wait may take")
    parser.add_argument("--command", default="", help="the command line, recorded in the results")
    args = parser.parse_args()
    args.rates = [int(r) for r in args.rates.split(",") if r]
    args.cutover_rates = [int(r) for r in args.cutover_rates.split(",") if r]
    assert args.large_rows <= args.preload, "--large-rows updates ids 1..large-rows: needs --preload at least as large"

    began = time.time()
    bench = Bench(args)
    say(f"creating the source database {args.database} ({args.preload} messages)")
    bench.create_databases()
    say("setting up the subscription (publication, slot, copy, CREATE SUBSCRIPTION … enabled = false)")
    followers = {"pgferry": PgFerry(bench), "postgresql": Subscription(bench)}
    results = []
    try:
        for number in range(1, args.rounds + 1):
            order = ("pgferry", "postgresql") if number % 2 else ("postgresql", "pgferry")
            for name in order:
                results.append(bench.round(followers[name], number))
    finally:
        followers["pgferry"].kill()
    summary, keeps = summarize(results, args)
    load = open("/proc/loadavg").read().split()[:3]
    document = {
        "kind": "follow", "command": args.command, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(began)),
        "minutes": round((time.time() - began) / 60, 1), "cpus": os.cpu_count(), "load_average_end": load,
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "logs", "pgferry", "command")},
        "summary": summary, "keeps_up": keeps, "runs": results,
    }
    with open(args.json, "w") as f:
        json.dump(document, f, indent=1)
    print(f"\npgferry --follow vs PostgreSQL logical replication — {args.rounds} rounds, medians "
          f"({document['minutes']} min, load average {' '.join(load)})\n")
    print("| figure | pgferry | PostgreSQL | pgferry / PostgreSQL |")
    print("|---|---:|---:|---:|")
    for row in summary:
        print(f"| {row['figure']} ({row['better']} is better) | {row['pgferry']} | {row['postgresql']} | {row['ratio']} |")
    for label, by in keeps.items():
        print(f"| {label} | {by['pgferry']} | {by['postgresql']} | |")
    for phase in ("backlog", "large"):
        print(cpu_table(results, phase))
    print(f"\nresults: {args.json}")


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as error:
        say(f"follow.py: {error}")
        sys.exit(1)
