#!/usr/bin/env python3
"""One line per k6 run from its --summary-export JSON: offered and achieved rate, latency
percentiles, dropped iterations and failed requests. `--kept-up FILE RATE` exits 0 when the
run kept up with the offered rate (nothing dropped or failed, ≥ 95 % achieved).
The achieved rate is iterations over the scenario's DURATION (k6's own rate also counts
the time setup() took to log users in)."""
import json
import os
import re
import sys


def seconds(text):
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)([hms])", text)) or 1.0


def numbers(path):
    metrics = json.load(open(path))["metrics"]
    duration = metrics.get("http_req_duration", {})
    count = metrics.get("iterations", {}).get("count", 0)
    requests = metrics.get("http_reqs", {}).get("count", 0)
    span = seconds(os.environ.get("DURATION", "30s"))
    return {
        "achieved": count / span,
        # HTTP requests per second (setup's logins included): a journey can be several.
        "requests": requests / span,
        "p50": duration.get("med", 0.0),
        "p90": duration.get("p(90)", 0.0),
        "p99": duration.get("p(99)", 0.0),
        "dropped": metrics.get("dropped_iterations", {}).get("count", 0),
        "failed": metrics.get("http_req_failed", {}).get("value", 0.0),
    }


def main(args):
    if args[:1] == ["--header"]:
        print("offered/s  achieved/s  requests/s  p50 ms  p90 ms  p99 ms  dropped  failed")
        return 0
    if args[:1] == ["--kept-up"]:
        n = numbers(args[1])
        kept = n["dropped"] == 0 and n["failed"] == 0 and n["achieved"] >= 0.95 * float(args[2])
        return 0 if kept else 1
    n = numbers(args[0])
    print(f"{args[1]:>9}  {n['achieved']:>10.1f}  {n['requests']:>10.1f}  "
          f"{n['p50']:>6.1f}  {n['p90']:>6.1f}  "
          f"{n['p99']:>6.1f}  {n['dropped']:>7}  {n['failed']:>6.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
