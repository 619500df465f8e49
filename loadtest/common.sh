# common.sh — what run.sh and cold-start.sh share (sourced, not run): the repository root,
# the k6 binary (K6, else GOPHERTOK_K6_BIN, else the pinned one, else k6 on PATH), the
# target (BASE_URL), the seed manifest (MANIFEST, made absolute) and the output directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K6="${K6:-${GOPHERTOK_K6_BIN:-$ROOT/var/tools/k6/bin/k6}}"
[[ -x "$K6" ]] || K6="$(command -v k6)" || {
    echo "loadtest: no k6 (bash .ci/gt services installs it)" >&2
    exit 1
}
export BASE_URL="${BASE_URL:-http://127.0.0.1:8080}"
# k6 reads relative paths from loadtest/k6/lib: hand it an absolute one.
export MANIFEST="$(realpath "${MANIFEST:-$ROOT/var/loadtest/seed.json}")"
OUT="${OUT:-$ROOT/var/loadtest/runs}"
mkdir -p "$OUT"
