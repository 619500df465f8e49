#!/usr/bin/env python3
"""Throughput per second around the moment the hot state was deleted, from k6's CSV output
(`--out csv=FILE`): completed iterations and failed requests per second, the warm rate (the
mean of the ten seconds before), and how long until a second reached 90 % of it again."""
import csv
import sys
from collections import Counter


def main(path, flushed_at):
    iterations, failures = Counter(), Counter()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            second = int(float(row["timestamp"]))
            if row["metric_name"] == "iterations":
                iterations[second] += 1
            elif row["metric_name"] == "http_req_failed" and float(row["metric_value"]) > 0:
                failures[second] += 1
    if not iterations:
        print("cold-start: no iterations recorded")
        return 1
    seconds = range(min(iterations), max(iterations) + 1)
    before = [iterations[s] for s in range(flushed_at - 10, flushed_at) if s in seconds]
    warm = sum(before) / len(before) if before else 0.0
    print("second  iterations  failed")
    for s in seconds:
        mark = "  <- hot state deleted" if s == flushed_at else ""
        print(f"{s - flushed_at:>+6}  {iterations[s]:>10}  {failures[s]:>6}{mark}")
    recovered = next((s - flushed_at for s in seconds if s > flushed_at and iterations[s] >= 0.9 * warm), None)
    print(f"warm: {warm:.1f} iterations/s; back to >= 90 % after: "
          f"{'never' if recovered is None else f'{recovered} s'}; failed requests: {sum(failures.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
