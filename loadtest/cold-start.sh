#!/usr/bin/env bash
# cold-start.sh — the hot state lost mid-run: runs the feed + like mix (k6/mix.js) at RATE
# for DURATION, deletes the deployment's Redis keys at FLUSH_AT seconds, prints throughput
# per second before and after (from k6's CSV output), then runs `verify`: every sampled
# count must be exact once persistence caught up.
#
# Environment: BASE_URL, MANIFEST, RATE (200), DURATION (40s), FLUSH_AT (15),
# GOPHERTOK__REDIS__URL (redis://127.0.0.1:6379) and GOPHERTOK__REDIS__PREFIX (gt:) as the
# deployment's, REDIS_OWNED=1 to FLUSHDB instead of deleting the prefix's keys (only when
# this deployment owns the Redis database). The settings (GOPHERTOK__…) also reach verify;
# VERIFY overrides how verify runs (default: cargo run --release … --bin verify --).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export RATE="${RATE:-200}" DURATION="${DURATION:-40s}"
FLUSH_AT="${FLUSH_AT:-15}"
REDIS_URL="${GOPHERTOK__REDIS__URL:-redis://127.0.0.1:6379}"
PREFIX="${GOPHERTOK__REDIS__PREFIX:-gt:}"
csv="$OUT/cold-start.csv"

# Deletes the deployment's hot state. The snowflake node leases stay: they are what keeps
# two instances from minting the same ids, not cached state.
forget_hot_state() {
    if [[ "${REDIS_OWNED:-0}" == 1 ]]; then
        redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null
        return
    fi
    redis-cli -u "$REDIS_URL" --scan --pattern "${PREFIX}*" |
        grep -v "^${PREFIX}snowflake:" |
        xargs -r -d '\n' -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null
}

status=0
"$K6" run --quiet --out "csv=$csv" "$ROOT/loadtest/k6/mix.js" >"$OUT/cold-start.log" 2>&1 &
k6_pid=$!
# FLUSH_AT counts from the first finished iteration, not from k6's start (setup() logs in
# first, which takes a while).
until grep -q '^iterations,' "$csv" 2>/dev/null; do
    kill -0 "$k6_pid" 2>/dev/null || { wait "$k6_pid" || true; echo "cold-start: k6 ended before any iteration; see $OUT/cold-start.log" >&2; exit 1; }
    sleep 0.2
done
sleep "$FLUSH_AT"
flushed_at="$(date +%s)"
forget_hot_state
echo "cold-start: deleted the hot state under ${PREFIX} at $(date -u -d "@$flushed_at" +%T)"
wait "$k6_pid" || status=$?
python3 "$ROOT/loadtest/cold_start.py" "$csv" "$flushed_at"
echo "cold-start: k6 exit status $status (non-zero: a check or threshold failed; see $OUT/cold-start.log)"
# VERIFY: how to run verify (e.g. a built binary instead of cargo).
${VERIFY:-cargo run --release -q -p loadtest --bin verify --} \
    --manifest "$MANIFEST" --base-url "$BASE_URL" || status=1
exit "$status"
