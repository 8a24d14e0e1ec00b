"""Reports of benches/compare/compare_umap_learn.sh: one round's lines, or the summary.

    python3 summary.py round LOG     # the last round of LOG, one line a run
    python3 summary.py summary LOG   # medians over every round of LOG, the machine, the goals

LOG holds, for each round, a line `round R` followed by one JSON line each: umap-learn serial,
umap-learn parallel, then this crate's runs (`embed`'s last line), in the script's order.
Ratios are updates/s over umap-learn serial's in the same round (every run does the same
updates: this crate's count equals umap-learn's, tests/sampler.rs). The goals are the speed
issue's: fast + lockstep >= 5x, libm + lockstep >= 2x, `parallel` two threads >= 1.8x its one
thread, each as the median over the rounds.
"""
import json
import statistics
import sys


def rounds(path):
    out, cur = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("round "):
                cur = []
                out.append(cur)
            else:
                cur.append(json.loads(line))
    return [r for r in out if len(r) >= 3]


def runs(rnd):
    """(name, updates/s, ratio to umap-learn serial, record) of every run of a round."""
    serial, parallel, ours = rnd[0], rnd[1], rnd[2:]
    updates = ours[0]["updates"]
    base = updates / serial["seconds"]
    rows = [("umap-learn serial", base, serial),
            (f"umap-learn parallel ({parallel['threads']} thr)", updates / parallel["seconds"],
             parallel)]
    for o in ours:
        name = (f"ours {o['math']}/{o['negatives']}" if o["sampler"] == "umap"
                else f"ours parallel {o['math']} {o['threads']} thr")
        rows.append((name, o["updates_per_s"], o))
    return [(name, rate, rate / base, rec) for name, rate, rec in rows]


def print_round(rnd):
    for name, rate, ratio, rec in runs(rnd):
        print(f"  {name:28s} {rate / 1e6:7.1f} M updates/s  {ratio:5.2f}x  "
              f"kNNp {rec['knn_preservation']:.4f}  acc {rec['knn_accuracy']:.4f}")


def machine():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        return "machine: unknown (no /proc/cpuinfo)"
    flags = set(info.get("flags", "").split())
    width = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return (f"machine: {info.get('model name', '?')} (family {info.get('cpu family', '?')}, "
            f"model {info.get('model', '?')}), {width}")


def print_summary(all_rounds):
    table = [runs(r) for r in all_rounds]
    names = [name for name, _, _, _ in table[0]]
    print(f"  medians over {len(table)} rounds (per-round ratios in brackets)")
    for k, name in enumerate(names):
        rates = [t[k][1] for t in table]
        ratios = [t[k][2] for t in table]
        per = ", ".join(f"{x:.2f}" for x in ratios)
        print(f"  {name:28s} {statistics.median(rates) / 1e6:7.1f} M updates/s  "
              f"{statistics.median(ratios):5.2f}x  ({per})")
    ours = [rec for _, _, _, rec in table[0][2:]]
    print("  " + machine() + "; embed's dispatch: "
          f"avx2 {ours[0].get('avx2')}, avx512 {ours[0].get('avx512')}")

    def ratio_of(name):
        k = names.index(name)
        return statistics.median(t[k][2] for t in table)

    goals = [("fast + lockstep, 1 thread", ratio_of("ours fast/lockstep"), 5.0),
             ("libm + lockstep, 1 thread", ratio_of("ours exact/lockstep"), 2.0)]
    one, two = names.index("ours parallel fast 1 thr"), names.index("ours parallel fast 2 thr")
    scaling = statistics.median(t[two][1] / t[one][1] for t in table)
    goals.append(("parallel fast, 2 threads / 1 thread", scaling, 1.8))
    for label, value, goal in goals:
        verdict = "met" if value >= goal else "NOT met"
        print(f"  goal {label}: {value:.2f}x against {goal}x: {verdict}")


def main():
    mode, path = sys.argv[1], sys.argv[2]
    all_rounds = rounds(path)
    if not all_rounds:
        sys.exit(f"{path}: no complete round")
    if mode == "round":
        print_round(all_rounds[-1])
    elif mode == "summary":
        print_summary(all_rounds)
    else:
        sys.exit(f"unknown mode {mode!r}: round or summary")


if __name__ == "__main__":
    main()
