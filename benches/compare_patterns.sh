#!/usr/bin/env bash
# Side by side, in one run: `mmops logs --patterns` against the shell pipeline an admin would
# write, `jq -r .msg | sort | uniq -c | sort -rn`, over the demo's generated mattermost.log.
# Checks that the counts agree for every message without variable parts (the pipeline counts a
# message by its text, mmops by its level and template), and fails when mmops is not at least
# 10x as fast. Each runs twice, alternating, after a read that puts the log in the page cache.
#
#   bash benches/compare_patterns.sh [SIZE]        # default: 1G
#
# Needs jq and GNU time (apt-get install jq time). The log is kept in $MMOPS_BENCH_DIR (default
# /tmp/mmops-bench) and reused.
set -euo pipefail

size=${1:-1G}
command -v jq >/dev/null || { echo "needs jq: apt-get install jq" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
command -v bc >/dev/null || { echo "needs bc: apt-get install bc" >&2; exit 2; }

cd "$(dirname "$0")/.."
cargo build --release --quiet
mmops=${CARGO_TARGET_DIR:-$PWD/target}/release/mmops

work=${MMOPS_BENCH_DIR:-/tmp/mmops-bench}
mkdir -p "$work"
log=$work/patterns-$size.log
if [[ ! -s $log ]]; then
    echo "writing a $size log to $log"
    "$mmops" demo --write-log "$log.partial" --size "$size" --seed 1
    mv "$log.partial" "$log"
fi
cat "$log" >/dev/null

time_of() { # LABEL OUT COMMAND... -> seconds
    local label=$1 out=$2; shift 2
    /usr/bin/time -o "$work/time.$label" -f '%e' bash -c "$*" >"$out" 2>"$work/stderr.$label" \
        || { echo "$label failed:" >&2; cat "$work/stderr.$label" >&2; exit 1; }
    tail -1 "$work/time.$label"
}

declare -a rows=()
for round in 1 2; do
    rows+=("mmops $round $(time_of "mmops$round" "$work/patterns.mmops.json" \
        "'$mmops' logs --log-file '$log' --patterns --top 0 --json")")
    rows+=("jq-pipeline $round $(time_of "jq$round" "$work/patterns.jq.txt" \
        "jq -r .msg '$log' | sort | uniq -c | sort -rn")")
done

# The counts: every message of the pipeline that mmops kept as its own template.
python3 - "$work/patterns.mmops.json" "$work/patterns.jq.txt" <<'EOF'
import json, sys
mmops = json.load(open(sys.argv[1]))
by_template = {}
for p in mmops["patterns"]:
    by_template[p["template"]] = by_template.get(p["template"], 0) + p["count"]
compared = differ = 0
for line in open(sys.argv[2]):
    count, _, msg = line.strip().partition(" ")
    if msg in by_template:
        compared += 1
        if by_template[msg] != int(count):
            differ += 1
            print(f"DIFFERENT: {msg!r}: pipeline {count}, mmops {by_template[msg]}")
print(f"{compared} messages without variable parts compared, {differ} differ; "
      f"mmops: {mmops['entries']} entries in {mmops['patterns_total']} patterns")
sys.exit(1 if differ or compared == 0 else 0)
EOF

bytes=$(stat -c %s "$log")
printf 'input %s: %s bytes, page cache warm\n%-12s %5s %9s %9s\n' "$log" "$bytes" tool run seconds "MB/s"
best_mmops='' best_jq=''
for row in "${rows[@]}"; do
    read -r tool round secs <<<"$row"
    printf '%-12s %5s %9.2f %9.1f\n' "$tool" "$round" "$secs" "$(echo "$bytes / $secs / 1000000" | bc -l)"
    case $tool in
        mmops) [[ -z $best_mmops || $(echo "$secs < $best_mmops" | bc -l) == 1 ]] && best_mmops=$secs ;;
        jq-pipeline) [[ -z $best_jq || $(echo "$secs < $best_jq" | bc -l) == 1 ]] && best_jq=$secs ;;
    esac
done
ratio=$(echo "$best_jq / $best_mmops" | bc -l)
printf 'best of two: mmops %.2f s, the jq pipeline %.2f s: mmops is %.1fx as fast\n' "$best_mmops" "$best_jq" "$ratio"
if [[ $(echo "$ratio < 10" | bc -l) == 1 ]]; then
    echo "FAIL: mmops logs --patterns is not 10x as fast as the jq pipeline" >&2
    exit 1
fi
echo "target met: at least 10x as fast, the same counts"
