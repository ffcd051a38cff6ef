#!/usr/bin/env bash
# What today's packet layout costs, side by side in one run: `mmops packet --mm-home` over the
# install of compare_packet.sh (the demo's config and a generated 1 GB mattermost.log) with the
# metrics listener off (the seed's files and the summaries), against the same with the listener
# of a running demo server (cpu.prof over 5 s, heap.prof, goroutines), an LDAP log and an audit
# log of the demo's sizes, and, with MMOPS_BENCH_DB_URL, database_schema.yaml. Each runs twice,
# alternating, after a read of the logs that puts them in the page cache. Fails when the new
# files add more than 10 % to the packet's time (best of two against best of two).
#
#   bash benches/compare_packet_layout.sh [SIZE]          # default: 1G
#
# Needs GNU time and bc (apt-get install time bc) and python3 (to edit the copy of the config).
set -euo pipefail

size=${1:-1G}
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }
command -v bc >/dev/null || { echo "needs bc: apt-get install bc" >&2; exit 2; }

cd "$(dirname "$0")/.."
# The install of the packet comparison: built there once, reused here.
work=${MMOPS_BENCH_DIR:-/tmp/mmops-bench}
base=$work/packet-home-$size
if [[ ! -s $base/logs/mattermost.log ]]; then
    bash benches/compare_packet.sh "$size" >/dev/null
fi
cargo build --release --quiet
mmops=${CARGO_TARGET_DIR:-$PWD/target}/release/mmops

# A running demo for its metrics listener; its host directory gives the LDAP and audit logs.
demo=$work/layout-demo
rm -rf "$demo"
"$mmops" demo --serve --addr 127.0.0.1:0 --host-dir "$demo" >"$work/layout-demo.banner" 2>/dev/null &
demo_pid=$!
trap 'kill $demo_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    [[ -s $work/layout-demo.banner ]] && break
    sleep 0.1
done
listen=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["MetricsSettings"]["ListenAddress"])' \
    "$demo/config/config.json")

# Two installs sharing the big log (a hard link): metrics off, and on at the demo's listener
# with the demo's LDAP and audit logs beside it.
before=$work/layout-before
after=$work/layout-after
for dir in "$before" "$after"; do
    rm -rf "$dir"
    mkdir -p "$dir/config" "$dir/logs"
    ln "$base/logs/mattermost.log" "$dir/logs/mattermost.log"
done
cp "$demo/logs/ldap.log" "$demo/logs/audit.log" "$after/logs/"
edit_config() { # FILE ENABLE LISTEN
    python3 - "$base/config/config.json" "$@" <<'EOF'
import json, sys
source, target, enable, listen = sys.argv[1:5]
config = json.load(open(source))
config["MetricsSettings"]["Enable"] = enable == "true"
config["MetricsSettings"]["ListenAddress"] = listen
if enable == "true":
    # The demo's LDAP target and audit file.
    config["LogSettings"]["AdvancedLoggingJSON"] = {
        "ldap": {"type": "file", "format": "json", "options": {"filename": "ldap.log"}}
    }
    config["ExperimentalAuditSettings"]["FileEnabled"] = True
    config["ExperimentalAuditSettings"]["FileName"] = "audit.log"
else:
    # The seed's packet: no advanced logging targets, no audit file.
    config["LogSettings"]["AdvancedLoggingJSON"] = {}
    config["ExperimentalAuditSettings"]["FileEnabled"] = False
json.dump(config, open(target, "w"), indent=4)
EOF
}
edit_config "$before/config/config.json" false "$listen"
edit_config "$after/config/config.json" true "$listen"
db_args=()
[[ -n ${MMOPS_BENCH_DB_URL:-} ]] && db_args=(--db-url "$MMOPS_BENCH_DB_URL")

out=$work/layout-out
mkdir -p "$out"
cat "$base/logs/mattermost.log" >/dev/null

run() { # LABEL HOME [ARGS...] -> "seconds files"
    local label=$1 home=$2; shift 2
    rm -rf "${out:?}"/*
    /usr/bin/time -o "$work/time.$label" -f '%e' "$mmops" packet --mm-home "$home" -o "$out" "$@" \
        >"$work/stdout.$label" 2>"$work/stderr.$label" \
        || { echo "$label failed:" >&2; cat "$work/stderr.$label" >&2; exit 1; }
    local files
    files=$(grep -c '^  .*[0-9] ' "$work/stdout.$label" || true)
    echo "$(tail -1 "$work/time.$label") $files"
    rm -rf "${out:?}"/*
}

declare -a rows=()
for round in 1 2; do
    rows+=("seed-layout $round $(run "before$round" "$before" --cpu-profile-seconds 0)")
    rows+=("today $round $(run "after$round" "$after" "${db_args[@]}")")
done
grep -E 'cpu.prof|heap.prof|goroutines|ldap.log|audit.log|database_schema' "$work/stdout.after2" || true

printf '%-12s %5s %9s %6s\n' layout run seconds files
best_before='' best_after=''
for row in "${rows[@]}"; do
    read -r layout round secs files <<<"$row"
    printf '%-12s %5s %9.2f %6s\n' "$layout" "$round" "$secs" "$files"
    case $layout in
        seed-layout) [[ -z $best_before || $(echo "$secs < $best_before" | bc -l) == 1 ]] && best_before=$secs ;;
        today) [[ -z $best_after || $(echo "$secs < $best_after" | bc -l) == 1 ]] && best_after=$secs ;;
    esac
done
ratio=$(echo "$best_after / $best_before" | bc -l)
printf 'best of two: seed layout %.2f s, today %.2f s: the new files add %.1f %%\n' \
    "$best_before" "$best_after" "$(echo "($ratio - 1) * 100" | bc -l)"
if [[ $(echo "$ratio > 1.10" | bc -l) == 1 ]]; then
    echo "FAIL: the new files add more than 10 % to the packet's time" >&2
    exit 1
fi
echo "target met: the new files add at most 10 % to the packet's time"
