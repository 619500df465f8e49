#!/usr/bin/env python3
"""Walks the whole feed once, newest to oldest, so that every video's and author's hot state
is in Redis before a warm measurement. A deployment in steady state has its hot state; a run
straight after `seed` measures rebuilds instead (that is what cold-start.sh measures).

usage: warm.py [--base-url URL] [--days 30] [--walkers 4]

The time range (now - days .. now) is cut into one slice per walker; each walker follows
`next_time` through its slice, anonymously (the viewer's own flags warm within seconds of
any run). Prints pages and videos seen, and how long it took."""
import argparse
import json
import sys
import threading
import time
import urllib.request


def walk(base_url, newest_ms, oldest_ms, totals, lock):
    try:
        pages, videos = walk_slice(base_url, newest_ms, oldest_ms)
    except Exception as error:  # one failed walker fails the warm-up, after the others end
        print(f"warm: {error}", file=sys.stderr)
        pages, videos = 0, 0
        with lock:
            totals[2] += 1
    with lock:
        totals[0] += pages
        totals[1] += videos


def walk_slice(base_url, newest_ms, oldest_ms):
    latest, pages, videos = newest_ms, 0, 0
    while latest > oldest_ms:
        url = f"{base_url}/douyin/feed/?latest_time={latest}"
        with urllib.request.urlopen(url, timeout=60) as reply:
            page = json.load(reply)
        if page.get("status_code") != 0:
            raise RuntimeError(f"{url}: {page}")
        listed = page.get("video_list") or []
        pages, videos = pages + 1, videos + len(listed)
        if not listed or page["next_time"] >= latest:
            break
        latest = page["next_time"]
    return pages, videos


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8080")
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--walkers", type=int, default=4)
    args = parser.parse_args()
    now_ms = int(time.time() * 1000) + 60_000
    span = int(args.days * 86_400_000)
    step = span // args.walkers
    totals, lock, started = [0, 0, 0], threading.Lock(), time.monotonic()
    walkers = [
        threading.Thread(
            target=walk,
            args=(args.base_url.rstrip("/"), now_ms - i * step, now_ms - (i + 1) * step, totals, lock),
        )
        for i in range(args.walkers)
    ]
    for walker in walkers:
        walker.start()
    for walker in walkers:
        walker.join()
    print(f"warm: {totals[0]} pages, {totals[1]} videos in {time.monotonic() - started:.1f} s")
    return 1 if totals[2] else 0


if __name__ == "__main__":
    sys.exit(main())
