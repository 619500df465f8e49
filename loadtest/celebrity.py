#!/usr/bin/env python3
"""The celebrity's first page of followers and liked videos (issue 9: a user with 100k likes or
followers gets the first page of lists in <= 50 ms): the first (cold) request, then N
sequential ones, p50/p99 in ms, client-side over one keep-alive connection.

Usage: python3 loadtest/celebrity.py BASE_URL MANIFEST N"""
import json, sys, time, urllib.request, urllib.parse, http.client

base, manifest, n = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
host = urllib.parse.urlparse(base).netloc
conn = http.client.HTTPConnection(host)

def call(method, path):
    t = time.perf_counter()
    conn.request(method, path)
    body = json.loads(conn.getresponse().read())
    return (time.perf_counter() - t) * 1000, body

name, pw = manifest["users"]["login_names"][0], manifest["password"]
_, login = call("POST", f"/douyin/user/login/?username={name}&password={pw}")
token = login["token"]
celeb = manifest["celebrity"]["id"]
for what, path in [("follower list", "/douyin/relation/follower/list/"),
                   ("like list", "/douyin/favorite/list/")]:
    url = f"{path}?user_id={celeb}&token={token}"
    first, body = call("GET", url)
    assert body["status_code"] == 0, body
    key = "user_list" if "relation" in path else "video_list"
    times = sorted(call("GET", url)[0] for _ in range(n))
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{what}: first {first:.1f} ms ({len(body[key])} items on the page); "
          f"then {n} sequential: p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {times[-1]:.1f} ms")
