#!/usr/bin/env bash
# run.sh — run the k6 scenarios against a seeded deployment.
#
#   loadtest/run.sh once SCRIPT [RATE]        one open-loop run at RATE/s (default $RATE)
#   loadtest/run.sh saturate SCRIPT           step the offered rate up (RATES) until the
#                                             run no longer keeps up; prints each step
#   loadtest/run.sh fractions SCRIPT SAT      runs at 25/50/75/90 % of a saturation rate SAT
#
# SCRIPT is a file of loadtest/k6 without .js (journeys, feed, like, chat_poll, healthz,
# mix). Environment: BASE_URL (http://127.0.0.1:8080), MANIFEST (var/loadtest/seed.json),
# DURATION per run (30s), RATES for saturate ("100 200 400 800 1600 3200 6400"),
# K6 (var/tools/k6/bin/k6, else k6 on PATH), OUT (var/loadtest/runs). Each run writes
# OUT/<script>-<rate>.json (k6 summary) and .html (the web dashboard's report).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
export DURATION="${DURATION:-30s}"

# run_at SCRIPT RATE: one run; prints "rate achieved/s p50 p99 dropped failed" and returns
# k6's exit status (non-zero when a threshold was crossed).
run_at() {
    local script="$1" rate="$2" name="$OUT/$1-$2"
    local status=0
    # The dashboard samples every PERIOD; a report needs at least one sample.
    RATE="$rate" K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_EXPORT="$name.html" \
        K6_WEB_DASHBOARD_PERIOD="${K6_WEB_DASHBOARD_PERIOD:-2s}" \
        "$K6" run --quiet --summary-trend-stats "avg,min,med,max,p(90),p(99)" \
        --summary-export "$name.json" "$ROOT/loadtest/k6/$script.js" \
        >"$name.log" 2>&1 || status=$?
    python3 "$ROOT/loadtest/summary.py" "$name.json" "$rate"
    return "$status"
}

case "${1:-}" in
once)
    run_at "$2" "${3:-${RATE:-50}}"
    ;;
saturate)
    # A step keeps up when k6 dropped nothing, no request failed and it achieved ≥ 95 % of
    # the offered rate; the last step that kept up is the saturation rate.
    python3 "$ROOT/loadtest/summary.py" --header
    sat=0
    for rate in ${RATES:-100 200 400 800 1600 3200 6400}; do
        if run_at "$2" "$rate" && python3 "$ROOT/loadtest/summary.py" --kept-up "$OUT/$2-$rate.json" "$rate"; then
            sat="$rate"
        else
            break
        fi
    done
    echo "saturation of $2: $sat iterations/s (the last step that kept up; refine RATES around it)"
    ;;
fractions)
    python3 "$ROOT/loadtest/summary.py" --header
    for pct in 25 50 75 90; do
        run_at "$2" "$(($3 * pct / 100))" || true
    done
    ;;
*)
    sed -n '2,16p' "${BASH_SOURCE[0]}"
    exit 2
    ;;
esac
