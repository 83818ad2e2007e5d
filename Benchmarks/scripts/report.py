#!/usr/bin/env python3
"""Aggregates run.sh's raw timings: medians per method, ratios to the first method (Queen's
pipe), a table on stdout, the figures as JSON and a small SVG bar chart (plain text, no deps)."""
import argparse, datetime, json, os, platform, statistics
from xml.sax.saxutils import escape


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--scale", required=True)
    ap.add_argument("--jobs", type=int, required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--memory", default="[]")
    ap.add_argument("--json", required=True)
    ap.add_argument("--svg", required=True)
    args = ap.parse_args()

    dataset = json.loads(args.dataset)
    records = [json.loads(line) for line in open(args.raw) if line.strip()]
    # run.sh --many-tables/--partitions: one pgferry run right after the schema was created
    cold = [r for r in records if r["round"] == "cold"]
    records = [r for r in records if r["round"] != "cold"]
    order, runs = [], {}
    for r in records:
        if r["method"] not in runs:
            order.append(r["method"])
            runs[r["method"]] = []
        runs[r["method"]].append(r)

    mb = dataset["total_bytes"] / 1e6
    methods = []
    for name in order:
        rs = runs[name]
        wall = statistics.median(r["wall_s"] for r in rs)
        cpu = statistics.median(r["cpu_user_s"] + r["cpu_sys_s"] for r in rs)
        server = [r["server_cpu_s"] for r in rs if r.get("server_cpu_s") is not None]
        busy = statistics.median(r["machine_busy_cpu_s"] / (r["wall_s"] * r["machine_cores"]) for r in rs)
        methods.append({
            "method": name, "rounds": len(rs), "verified": all(r.get("verified") for r in rs),
            "wall_s_median": round(wall, 2), "wall_s_all": [r["wall_s"] for r in rs],
            "mb_per_s": round(mb / wall, 1),
            "client_cpu_s_median": round(cpu, 2), "client_cpu_pct_of_wall": round(100 * cpu / wall, 1),
            "client_peak_rss_mib": round(max(r["peak_rss_kib"] for r in rs) / 1024, 1),
            "server_cpu_s_median": round(statistics.median(server), 1) if server else None,
            "machine_busy_pct_median": round(100 * busy, 1),
            "load1_before": [r["load1_before"] for r in rs],
        })
        phases = phase_medians(rs)
        if phases:
            methods[-1]["phases_s_median"] = phases
    base = methods[0]["wall_s_median"]
    for m in methods:
        m["wall_ratio_to_first"] = round(m["wall_s_median"] / base, 3)

    memory = json.loads(args.memory)
    for m in memory:
        m["peak_rss_mib"] = round(m["peak_rss_kib"] / 1024, 1)

    result = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "kernel": platform.release(),
                    "note": "shared with other engineers' Swift builds; machine_busy_pct is all-core utilisation during each run"},
        "scale": args.scale, "jobs": args.jobs, "rounds": args.rounds,
        "dataset": dataset, "dataset_mb": round(mb, 1),
        "mb_definition": "source schema size incl. indexes and TOAST (sum of pg_total_relation_size), 10^6 bytes, divided by wall time",
        "methods": methods, "memory_check": memory,
    }
    if cold:
        c = cold[0]
        result["cold_pgferry_run"] = {"wall_s": c["wall_s"], "phases_s": c.get("phases", {}),
                                      "cpu_s": round(c["cpu_user_s"] + c["cpu_sys_s"], 2),
                                      "peak_rss_mib": round(c["peak_rss_kib"] / 1024, 1), "server_cpu_s": c.get("server_cpu_s")}
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    write_svg(args.svg, result)

    print(f"\ndataset: scale {args.scale}, {mb:.0f} MB incl. indexes ({dataset['table_bytes'] / 1e6:.0f} MB heap+TOAST), "
          f"{dataset['rows']} rows, {dataset['tables']} tables; jobs {args.jobs}; medians of {args.rounds} rounds")
    header = f"{'method':48} {'wall s':>8} {'MB/s':>7} {'x (a)':>6} {'client CPU s':>12} {'CPU %':>6} {'peak RSS MiB':>12} {'server CPU s':>12} {'busy %':>7}"
    print(header)
    print("-" * len(header))
    for m in methods:
        print(f"{m['method'][:48]:48} {m['wall_s_median']:8.1f} {m['mb_per_s']:7.1f} {m['wall_ratio_to_first']:6.2f} "
              f"{m['client_cpu_s_median']:12.2f} {m['client_cpu_pct_of_wall']:6.1f} {m['client_peak_rss_mib']:12.1f} "
              f"{m['server_cpu_s_median'] if m['server_cpu_s_median'] is not None else float('nan'):12.1f} "
              f"{m['machine_busy_pct_median']:7.1f}")
    for m in methods:
        if "phases_s_median" in m:
            print(f"{m['method']}: phases (medians, s): " + ", ".join(f"{k} {v}" for k, v in m["phases_s_median"].items()))
    if cold:
        c = result["cold_pgferry_run"]
        print(f"cold (first pgferry run after the schema was created): wall {c['wall_s']} s, phases "
              + ", ".join(f"{k} {v}" for k, v in c["phases_s"].items()) + f", server CPU {c['server_cpu_s']} s")
    for m in memory:
        print(f"memory check: pgferry at scale {m['scale']} ({m['dataset_bytes'] / 1e6:.0f} MB): "
              f"peak RSS {m['peak_rss_mib']} MiB, wall {m['wall_s']} s, CPU {m['cpu_s']} s")
    print(f"\nwrote {args.json} and {args.svg}")


def phase_medians(rs):
    names = []
    for r in rs:
        names += [n for n in r.get("phases", {}) if n not in names]
    return {n: round(statistics.median(r["phases"].get(n, 0) for r in rs if "phases" in r), 2) for n in names}


def write_svg(path, result):
    methods = result["methods"]
    width, left, right, bar, gap, top = 760, 300, 150, 26, 12, 56
    height = top + len(methods) * (bar + gap) + 40 + 18 * len(result["memory_check"])
    longest = max(m["wall_s_median"] for m in methods)
    scale = (width - left - right) / longest
    title = "Moving %s, %.0f MB (scale %s), PG15 to PG15 on loopback, %d jobs" % (
        "schema queen" if str(result["scale"])[0].isdigit() else "%d tables" % result["dataset"]["tables"],
        result["dataset_mb"], result["scale"], result["jobs"])
    colours = ["#8c8c8c", "#5b8db8", "#c9a227", "#2e9e5b"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="12" y="22" font-size="15" font-weight="bold">' + escape(title) + '</text>',
           f'<text x="12" y="42" fill="#555">median wall time of {result["rounds"]} rounds, lower is better; ratio to Queen\'s pipe; 2 shared cores</text>']
    for i, m in enumerate(methods):
        y = top + i * (bar + gap)
        w = max(1, m["wall_s_median"] * scale)
        colour = "#2e9e5b" if "pgferry" in m["method"] else colours[i % len(colours)]
        out.append(f'<text x="{left - 8}" y="{y + bar * 0.7}" text-anchor="end">{escape(m["method"][:44])}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + bar * 0.7}">{m["wall_s_median"]:.1f} s · {m["mb_per_s"]:.0f} MB/s · {m["wall_ratio_to_first"]:.2f}×</text>')
    y = top + len(methods) * (bar + gap) + 16
    for m in result["memory_check"]:
        out.append('<text x="12" y="%d" fill="#555">pgferry peak RSS at scale %s (%.0f MB): %s MiB</text>' % (
            y, m["scale"], m["dataset_bytes"] / 1e6, m["peak_rss_mib"]))
        y += 18
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
