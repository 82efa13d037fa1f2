#!/bin/sh
# Managed (mbpf bench) and libbpf (Benchmarks/libbpf/harness.c) side by side in one run, alternating, REPEATS times
# (default 7), on the same object and sizes; prints medians (drains: with the repeats' [min-max]), managed/libbpf
# ratios and, for drains, the ratio to the limit loop (harness.c's limit mode: the same fill walked by record length
# only, the floor of any drain).
#   drain hot    a 256 KiB ring / 64-page perf buffer per CPU, 3,000 records of 64 B or 200 of 1 KiB
#   drain cold   a 64 MiB buffer, 800,000 records of 64 B (800,000 x 80 B fills a perf buffer: 1,000,000 would not fit)
#                or 60,000 of 1 KiB; 5 rounds
#   drain 1      one record, 101 rounds: the fixed cost of a call
#   stream       200,000 records from 1 producer, and from every online CPU but one (when that is more than 1);
#                the consumer on a CPU of its own; rec/s and drops as median [min-max] over the repeats
# Each managed row also runs through the typed asynchronous stream (ReadAllAsync<T>); perf streams also through
# OrderedPerfReader (CPUs merged by time). Needs root, gcc, libbpf-dev and the .NET SDK.
# Usage: [MBPF=path/to/mbpf] Benchmarks/run.sh [REPEATS]
set -eu
cd "$(dirname "$0")/.."
REPEATS=${1:-7}
OBJ=fixtures/obj/producers.bpf.o
OUT=${TMPDIR:-/tmp}/managedbpf-bench
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -o "$OUT/harness" Benchmarks/libbpf/harness.c -lbpf -lpthread
HARNESS="$OUT/harness"
if [ -z "${MBPF:-}" ]; then
	dotnet build Cli -c Release -v q -nologo >/dev/null
	MBPF=Cli/bin/Release/net10.0/mbpf
fi
LOG="$OUT/results.txt"
# REPORT_ONLY=1 prints the table of the last run's raw lines again, without running anything.
[ -n "${REPORT_ONLY:-}" ] || : >"$LOG"
HOT=$((256 * 1024))
COLD=$((64 * 1024 * 1024))
STREAM_RECORDS=200000
CPUS=$(nproc)
MANY=$((CPUS > 2 ? CPUS - 1 : 1))
hot() { [ "$1" = 64 ] && echo 3000 || echo 200; }
cold() { [ "$1" = 64 ] && echo 800000 || echo 60000; }
log() { "$@" | sed "s/^/rep=$rep /" >>"$LOG"; }

[ -n "${REPORT_ONLY:-}" ] && REPEATS_RUN=0 || REPEATS_RUN=$REPEATS
for rep in $(seq "$REPEATS_RUN"); do
	for via in ring perf; do
		for payload in 64 1024; do
			for regime in hot cold; do
				if [ "$regime" = hot ]; then n=$(hot "$payload") size=$HOT rounds=11; else n=$(cold "$payload") size=$COLD rounds=5; fi
				log "$MBPF" bench drain --via "$via" --payload "$payload" --records "$n" --rounds "$rounds" --buffer-size "$size" --object "$OBJ"
				log "$HARNESS" "$OBJ" drain "$via" "$payload" "$n" "$rounds" --buffer-size "$size"
				log "$HARNESS" "$OBJ" limit "$via" "$payload" "$n" "$rounds" --buffer-size "$size"
				log "$MBPF" bench drain --via "$via" --payload "$payload" --records "$n" --rounds "$rounds" --buffer-size "$size" --consumer typed --object "$OBJ"
			done
		done
		log "$MBPF" bench drain --via "$via" --payload 64 --records 1 --rounds 101 --buffer-size "$HOT" --object "$OBJ"
		log "$HARNESS" "$OBJ" drain "$via" 64 1 101 --buffer-size "$HOT"
		for payload in 64 1024; do
			for producers in $(printf '1\n%s\n' "$MANY" | uniq); do
				log "$MBPF" bench stream --via "$via" --payload "$payload" --records "$STREAM_RECORDS" --producers "$producers" --object "$OBJ"
				log "$HARNESS" "$OBJ" stream "$via" "$payload" "$STREAM_RECORDS" --producers "$producers"
				log "$MBPF" bench stream --via "$via" --payload "$payload" --records "$STREAM_RECORDS" --producers "$producers" --consumer typed --object "$OBJ"
				if [ "$via" = perf ]; then
					log "$MBPF" bench stream --via "$via" --payload "$payload" --records "$STREAM_RECORDS" --producers "$producers" --consumer ordered --object "$OBJ"
				fi
			done
		done
	done
done

echo "# $(uname -srm), $CPUS CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), .NET $(dotnet --version 2>/dev/null || echo '?'), libbpf $(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || echo '?'), $(date -u -r "$LOG" '+%Y-%m-%d %H:%M UTC'), $REPEATS alternating repeats"
echo "# drains: median ns/record [min-max of the repeats]; x libbpf and x limit = managed / libbpf and managed / limit loop (lower is better)"
echo "# streams: delivered records/s and drops, median [min-max] of the repeats; x libbpf = managed / libbpf records/s (higher is better)"
awk '
function field(name,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } return "" }
function sorted(list, a,   n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n
}
function median(list,   a, n) { n = sorted(list, a); if (n == 0) return 0; return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function range(list,   a, n) { n = sorted(list, a); if (n == 0) return ""; return sprintf("%.2f [%.2f-%.2f]", median(list), a[1], a[n]) }
function spread(list, scale,   a, n) { n = sorted(list, a); if (n == 0) return "-"; return sprintf("%.0f%s [%.0f-%.0f]", median(list) / scale, (scale > 1 ? "k" : ""), a[1] / scale, a[n] / scale) }
{
	mode = field("mode"); records = field("records")
	regime = mode == "stream" ? "stream" : records == 1 ? "1-rec" : field("buffer_size") + 0 > 1048576 ? "cold" : "hot"
	base = regime " " field("via") " " field("payload") " " (mode == "stream" ? "p" field("producers") : records)
	impl = field("impl"); consumer = field("consumer"); if (consumer == "") consumer = "handler"
	key = base " " consumer
	if (!(key in seen) && impl == "managed") { seen[key] = 1; order[++count] = key; of[key] = base }
	ns[base, impl, impl == "managed" ? consumer : "handler"] = ns[base, impl, impl == "managed" ? consumer : "handler"] " " field("median_ns_per_record")
	rps[base, impl, impl == "managed" ? consumer : "handler"] = rps[base, impl, impl == "managed" ? consumer : "handler"] " " field("records_per_s")
	drop[base, impl, impl == "managed" ? consumer : "handler"] = drop[base, impl, impl == "managed" ? consumer : "handler"] " " field("dropped")
	if (impl == "managed") alloc[key] = alloc[key] " " field("allocated_bytes_per_record")
}
END {
	printf "%-6s %-4s %5s %-7s %-8s | %-22s %-22s %7s | %9s %7s | %-22s %-22s %7s | %-16s %-16s | %s\n", "regime", "via", "bytes", "records", "consumer", "managed ns [min-max]", "libbpf ns [min-max]", "x libbpf", "limit ns", "x limit", "managed rec/s", "libbpf rec/s", "x libbpf", "managed drops", "libbpf drops", "B/record"
	for (i = 1; i <= count; i++) {
		k = order[i]; b = of[k]; split(k, p, " "); c = p[5]
		mn = median(ns[b, "managed", c]); ln = median(ns[b, "libbpf", "handler"]); lim = median(ns[b, "limit", "handler"])
		if (p[1] == "stream") {
			mr = median(rps[b, "managed", c]); lr = median(rps[b, "libbpf", "handler"])
			printf "%-6s %-4s %5s %-7s %-8s | %-22s %-22s %7s | %9s %7s | %-22s %-22s %7.2f | %-16s %-16s | %.3f\n", p[1], p[2], p[3], p[4], c, "", "", "", "", "",
				spread(rps[b, "managed", c], 1000), spread(rps[b, "libbpf", "handler"], 1000), (lr > 0 ? mr / lr : 0),
				spread(drop[b, "managed", c], 1000), spread(drop[b, "libbpf", "handler"], 1000), median(alloc[k])
		} else {
			printf "%-6s %-4s %5s %-7s %-8s | %-22s %-22s %7.2f | %9s %7s | %-22s %-22s %7s | %-16s %-16s | %.3f\n", p[1], p[2], p[3], p[4], c, range(ns[b, "managed", c]), range(ns[b, "libbpf", "handler"]), (ln > 0 ? mn / ln : 0),
				(lim > 0 ? sprintf("%.2f", lim) : ""), (lim > 0 ? sprintf("%.2f", mn / lim) : ""), "", "", "", median(drop[b, "managed", c]), median(drop[b, "libbpf", "handler"]), median(alloc[k])
		}
	}
}' "$LOG"
echo "# raw lines: $LOG"
