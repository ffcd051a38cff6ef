#!/usr/bin/env bash
# Side by side, in one run: `mmops logs` against lnav (headless) and jq making the same
# selection (level error and worse, lines matching a regex) over one generated mattermost.log.
# The three outputs must be the same lines; the script fails when they differ or when mmops
# is not at least 1.5x as fast as lnav and 10x as fast as jq.
#
#   bash benches/compare_logs.sh [SIZE] [REGEX]        # defaults: 1G, 'dial tcp 10\.20\.0\.'
#
# Needs lnav and jq (apt-get install lnav jq). Work files go to $MMOPS_BENCH_DIR (default: a
# temporary directory, removed at the end).
set -euo pipefail

size=${1:-1G}
regex=${2:-'dial tcp 10\.20\.0\.'}

for tool in lnav jq; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install lnav jq" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
cargo build --release --quiet
mmops=$PWD/target/release/mmops

work=${MMOPS_BENCH_DIR:-$(mktemp -d)}
[[ -n ${MMOPS_BENCH_DIR:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
log=$work/mattermost.log

# lnav knows no Mattermost format: this definition teaches it the logr JSON lines.
cat >"$work/mattermost_log.json" <<'FORMAT'
{
  "$schema": "https://lnav.org/schemas/format-v1.schema.json",
  "mattermost_log": {
    "title": "Mattermost server log (logr JSON)",
    "json": true,
    "file-pattern": "\\.log$",
    "timestamp-field": "timestamp",
    "timestamp-format": ["%Y-%m-%d %H:%M:%S.%L Z"],
    "level-field": "level",
    "body-field": "msg",
    "level": {
      "fatal": "^(fatal|panic|dpanic)$",
      "critical": "^critical$",
      "error": "^error$",
      "warning": "^warn$",
      "info": "^info$",
      "debug": "^debug$",
      "trace": "^trace$"
    },
    "value": {
      "caller": { "kind": "string", "identifier": true },
      "error": { "kind": "string" }
    }
  }
}
FORMAT
HOME=$work/home lnav -i "$work/mattermost_log.json" >/dev/null 2>&1

if [[ ! -s $log ]]; then
    echo "writing a $size log to $log"
    "$mmops" demo --write-log "$log" --size "$size" --seed 1
fi
bytes=$(stat -c %s "$log")
lines=$(wc -l <"$log")
# Warm the page cache so no tool pays for the disk.
cat "$log" >/dev/null

seconds() { # command... -> wall seconds on stdout, the command's output in $work/out.$label
    local label=$1; shift
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/out.$label"
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

jq_levels='"error","critical","fatal","panic","dpanic"'
t_mmops=$(seconds mmops "$mmops" logs --log-file "$log" --level error --grep "$regex" --raw)
t_lnav=$(seconds lnav env HOME="$work/home" lnav -n \
    -c ':set-min-log-level error' \
    -c ":filter-in $regex" \
    -c ';UPDATE mattermost_log SET log_mark = 1' \
    -c ':write-raw-to -' "$log")
jq_regex=${regex//\\/\\\\}
t_jq=$(seconds jq jq -rR \
    "select(test(\"$jq_regex\")) | select((fromjson? // {}) | (.level // \"\") | ascii_downcase | IN($jq_levels))" \
    "$log")

matched=$(wc -l <"$work/out.mmops")
same=yes
cmp -s "$work/out.mmops" "$work/out.lnav" || same=no
cmp -s "$work/out.mmops" "$work/out.jq" || same=no

printf 'file      %s bytes, %s lines; selection: level error, regex %s -> %s lines\n' \
    "$bytes" "$lines" "$regex" "$matched"
printf '%-6s %9s %12s\n' tool seconds "vs mmops"
printf '%-6s %9.2f %12s\n' mmops "$t_mmops" 1.0x
printf '%-6s %9.2f %11.1fx\n' lnav "$t_lnav" "$(echo "$t_lnav / $t_mmops" | bc -l)"
printf '%-6s %9.2f %11.1fx\n' jq "$t_jq" "$(echo "$t_jq / $t_mmops" | bc -l)"
printf 'identical output lines: %s\n' "$same"

[[ $same == yes ]] || { echo "FAIL: the outputs differ (see $work/out.*)" >&2; exit 1; }
[[ $matched -gt 0 ]] || { echo "FAIL: nothing matched; pick another regex" >&2; exit 1; }
ok=$(echo "$t_lnav >= 1.5 * $t_mmops && $t_jq >= 10 * $t_mmops" | bc -l)
[[ $ok == 1 ]] || { echo "FAIL: below target (1.5x lnav, 10x jq)" >&2; exit 1; }
echo "targets met: at least 1.5x lnav and 10x jq"
