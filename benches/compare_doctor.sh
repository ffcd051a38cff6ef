#!/usr/bin/env bash
# `mmops doctor` over an install directory holding the demo's config/config.json and a
# generated 1 GB logs/mattermost.log (target: every rule within 3 s), beside the grep an admin
# would run for the same log signs (`grep -c -F -e ... -e ...`, one pass, for scale). Wall time
# and peak resident memory from /usr/bin/time, each run twice, alternating, after a read of the
# log that puts it in the page cache. Fails when the doctor's best run is over 3 s.
#
#   bash benches/compare_doctor.sh [SIZE]        # default: 1G
#
# Needs GNU time (apt-get install time). Shares the generated install directory with
# compare_packet.sh ($MMOPS_BENCH_DIR, default /tmp/mmops-bench).
set -euo pipefail

size=${1:-1G}
limit_s=3

[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

cd "$(dirname "$0")/.."
cargo build --release --quiet
mmops=${CARGO_TARGET_DIR:-$PWD/target}/release/mmops

work=${MMOPS_BENCH_DIR:-/tmp/mmops-bench}
home=$work/packet-home-$size
log=$home/logs/mattermost.log
mkdir -p "$home/config" "$home/logs"
if [[ ! -s $home/config/config.json ]]; then
    demo=$work/doctor-demo
    rm -rf "$demo"
    "$mmops" demo --serve --addr 127.0.0.1:0 --host-dir "$demo" >"$work/doctor-demo.banner" 2>/dev/null &
    demo_pid=$!
    for _ in $(seq 100); do
        [[ -s $work/doctor-demo.banner ]] && break
        sleep 0.1
    done
    kill "$demo_pid"
    wait "$demo_pid" 2>/dev/null || true
    cp "$demo/config/config.json" "$home/config/config.json"
    rm -rf "$demo" "$work/doctor-demo.banner"
fi
if [[ ! -s $log ]]; then
    echo "writing a $size log to $log"
    "$mmops" demo --write-log "$log.partial" --size "$size" --seed 1
    mv "$log.partial" "$log"
fi
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null

# run LABEL COMMAND... -> "seconds peak_kb"
run() {
    local label=$1; shift
    /usr/bin/time -o "$work/time.$label" -f '%e %M' "$@" >"$work/stdout.$label" 2>"$work/stderr.$label" || true
    tail -1 "$work/time.$label"
}

doctor=("$mmops" --mm-home "$home" doctor)
signs=(grep -c -F -e "context deadline exceeded" -e "i/o timeout"
    -e "Error while creating session for user access token" -e "websocket: bad handshake"
    -e "Failed to send mail" -e "Failed to send push notification" -e "too many open files"
    -e '"level":"debug"' "$log")

best_doctor=999
for round in 1 2; do
    read -r d_s d_kb < <(run doctor "${doctor[@]}")
    read -r g_s g_kb < <(run grep "${signs[@]}")
    echo "round $round: mmops doctor ${d_s}s ${d_kb} KB · grep -c -F (8 signs) ${g_s}s ${g_kb} KB"
    best_doctor=$(python3 -c "print(min($best_doctor, $d_s))")
done
echo "log: $bytes bytes; doctor's first line: $(head -1 "$work/stdout.doctor")"
python3 - "$best_doctor" "$limit_s" <<'PY'
import sys
best, limit = float(sys.argv[1]), float(sys.argv[2])
print(f"best doctor run {best:.2f}s (target {limit:.0f}s)")
sys.exit(0 if best <= limit else 1)
PY
