#!/usr/bin/env bash
# Side by side, in one run: `mmops packet` against `zip -6` (Info-ZIP) on the same files, an
# install directory holding the demo's config/config.json and a generated 1 GB
# logs/mattermost.log. Wall time and peak resident memory come from /usr/bin/time for both.
# Each tool runs twice, alternating, after a read of the log that puts it in the page cache.
# The script fails when mmops is slower than zip -6 (best of two against best of two) or its
# peak resident memory is above 64 MB.
#
#   bash benches/compare_packet.sh [SIZE]        # default: 1G
#
# MMOPS_PACKET_PRIVACY=1 also times `mmops packet --privacy` (for information; not checked).
# Needs zip and GNU time (apt-get install zip time). The generated install directory is kept
# in $MMOPS_BENCH_DIR (default /tmp/mmops-bench) and reused; the zips are removed after each run.
set -euo pipefail

size=${1:-1G}
limit_kb=$((64 * 1024))

command -v zip >/dev/null || { echo "needs zip: apt-get install zip" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

cd "$(dirname "$0")/.."
cargo build --release --quiet
mmops=${CARGO_TARGET_DIR:-$PWD/target}/release/mmops

work=${MMOPS_BENCH_DIR:-/tmp/mmops-bench}
home=$work/packet-home-$size
log=$home/logs/mattermost.log
out=$work/packet-out
mkdir -p "$home/config" "$home/logs" "$out"

# The demo's config.json: the demo server writes it into its host directory as it starts.
if [[ ! -s $home/config/config.json ]]; then
    demo=$work/packet-demo
    rm -rf "$demo"
    "$mmops" demo --serve --addr 127.0.0.1:0 --host-dir "$demo" >"$work/packet-demo.banner" 2>/dev/null &
    demo_pid=$!
    for _ in $(seq 100); do
        [[ -s $work/packet-demo.banner ]] && break
        sleep 0.1
    done
    kill "$demo_pid"
    wait "$demo_pid" 2>/dev/null || true
    [[ -s $demo/config/config.json ]] || { echo "the demo server wrote no config.json" >&2; exit 1; }
    cp "$demo/config/config.json" "$home/config/config.json"
    rm -rf "$demo" "$work/packet-demo.banner"
fi
# A regular file (the collector would follow a symlink, but zip would store the link's target
# under the link's name either way; a plain file keeps the two inputs identical).
if [[ ! -s $log ]]; then
    echo "writing a $size log to $log"
    "$mmops" demo --write-log "$log.partial" --size "$size" --seed 1
    mv "$log.partial" "$log"
fi
bytes=$(stat -c %s "$log")
config_bytes=$(stat -c %s "$home/config/config.json")

# Warm the page cache so neither tool pays for the disk.
cat "$log" "$home/config/config.json" >/dev/null

# run LABEL COMMAND... -> "seconds peak_kb user_s sys_s zip_bytes" on stdout, the command run
# from the install directory; the zip is removed afterwards.
run() {
    local label=$1; shift
    rm -rf "${out:?}"/*
    (cd "$home" && /usr/bin/time -o "$work/time.$label" -f '%e %M %U %S' "$@") \
        >"$work/stdout.$label" 2>"$work/stderr.$label" \
        || { echo "$label failed:" >&2; cat "$work/stderr.$label" >&2; exit 1; }
    local zip_bytes
    zip_bytes=$(find "$out" -name '*.zip' -printf '%s\n' | head -1)
    echo "$(tail -1 "$work/time.$label") ${zip_bytes:-0}"
    rm -rf "${out:?}"/*
}

mmops_packet=("$mmops" packet --mm-home "$home" -o "$out")
# Info-ZIP on the same two files, level 6 (its default).
zip_6=(zip -6 -q "$out/packet.zip" config/config.json logs/mattermost.log)

declare -a rows=()
for round in 1 2; do
    r=$(run "mmops$round" "${mmops_packet[@]}")
    rows+=("mmops $round $r")
    r=$(run "zip$round" "${zip_6[@]}")
    rows+=("zip-6 $round $r")
    if [[ ${MMOPS_PACKET_PRIVACY:-0} == 1 ]]; then
        r=$(run "privacy$round" "${mmops_packet[@]}" --privacy)
        rows+=("mmops-privacy $round $r")
    fi
done

printf 'input     %s: logs/mattermost.log %s bytes + config/config.json %s bytes; page cache warm\n' \
    "$home" "$bytes" "$config_bytes"
printf '%-14s %5s %9s %9s %9s %9s %12s %8s\n' tool run seconds "MB/s" "user s" "sys s" "peak RSS MB" "zip MB"
best_mmops='' best_zip='' peak_mmops=0
for row in "${rows[@]}"; do
    read -r tool round secs kb user sys zip_bytes <<<"$row"
    printf '%-14s %5s %9.2f %9.1f %9.2f %9.2f %12.1f %8.1f\n' "$tool" "$round" "$secs" \
        "$(echo "$bytes / $secs / 1000000" | bc -l)" "$user" "$sys" \
        "$(echo "$kb / 1024" | bc -l)" "$(echo "$zip_bytes / 1000000" | bc -l)"
    case $tool in
        mmops)
            [[ -z $best_mmops || $(echo "$secs < $best_mmops" | bc -l) == 1 ]] && best_mmops=$secs
            ((kb > peak_mmops)) && peak_mmops=$kb
            ;;
        zip-6)
            [[ -z $best_zip || $(echo "$secs < $best_zip" | bc -l) == 1 ]] && best_zip=$secs
            ;;
    esac
done
printf 'best of two: mmops %.2f s, zip -6 %.2f s: mmops takes %.2fx the time of zip -6; mmops peak RSS %.1f MB\n' \
    "$best_mmops" "$best_zip" "$(echo "$best_mmops / $best_zip" | bc -l)" "$(echo "$peak_mmops / 1024" | bc -l)"

fail=0
if ((peak_mmops > limit_kb)); then
    echo "FAIL: mmops peak RSS ${peak_mmops} KB is above 64 MB" >&2
    fail=1
fi
if [[ $(echo "$best_mmops > $best_zip" | bc -l) == 1 ]]; then
    echo "FAIL: mmops is slower than zip -6" >&2
    fail=1
fi
((fail == 0)) || exit 1
echo "targets met: at least as fast as zip -6, peak RSS at most 64 MB"
