#!/bin/sh
# Managed (mbpf bench) and libbpf (Benchmarks/libbpf/harness.c) side by side in one run, alternating,
# for 64-byte and 1 KiB payloads over the ring buffer and the perf buffer; prints managed/libbpf ratios. The managed
# side also runs through the typed asynchronous stream (--consumer typed: ReadAllAsync<T>, await foreach), whose rows
# are compared with libbpf's callback rows. CONSUMERS="typed leased" (default "typed") picks the stream rows; "" none.
# Needs root (CAP_BPF + CAP_PERFMON), gcc, libbpf-dev and the .NET SDK. Usage: [MBPF=...] Benchmarks/run.sh [REPEATS]
set -eu
cd "$(dirname "$0")/.."
REPEATS=${1:-3}
OBJ=fixtures/obj/producers.bpf.o
OUT=${TMPDIR:-/tmp}/managedbpf-bench
mkdir -p "$OUT"
gcc -O2 -Wall -Wextra -o "$OUT/harness" Benchmarks/libbpf/harness.c -lbpf -lpthread
# MBPF=path/to/mbpf uses an already built tool (e.g. a NativeAOT publish) instead of building Cli in Release.
if [ -z "${MBPF:-}" ]; then
	dotnet build Cli -c Release -v q -nologo >/dev/null
	MBPF=Cli/bin/Release/net10.0/mbpf
fi
LOG="$OUT/results.txt"
: >"$LOG"

# Records per drain fill: what fits in the 256 KiB ring / the 64-page perf buffer without drops.
fill() { [ "$1" = 64 ] && echo 3000 || echo 200; }
STREAM_RECORDS=200000
CONSUMERS=${CONSUMERS-typed}

for rep in $(seq "$REPEATS"); do
	for via in ring perf; do
		for payload in 64 1024; do
			n=$(fill "$payload")
			"$MBPF" bench drain --via "$via" --payload "$payload" --records "$n" --rounds 11 --object "$OBJ" | sed "s/^/rep=$rep /" >>"$LOG"
			"$OUT/harness" "$OBJ" drain "$via" "$payload" "$n" 11 | sed "s/^/rep=$rep /" >>"$LOG"
			for consumer in $CONSUMERS; do
				"$MBPF" bench drain --via "$via" --payload "$payload" --records "$n" --rounds 11 --consumer "$consumer" --object "$OBJ" | sed "s/^/rep=$rep /" >>"$LOG"
			done
		done
		for payload in 64 1024; do
			"$MBPF" bench stream --via "$via" --payload "$payload" --records "$STREAM_RECORDS" --object "$OBJ" | sed "s/^/rep=$rep /" >>"$LOG"
			"$OUT/harness" "$OBJ" stream "$via" "$payload" "$STREAM_RECORDS" | sed "s/^/rep=$rep /" >>"$LOG"
			for consumer in $CONSUMERS; do
				"$MBPF" bench stream --via "$via" --payload "$payload" --records "$STREAM_RECORDS" --consumer "$consumer" --object "$OBJ" | sed "s/^/rep=$rep /" >>"$LOG"
			done
		done
	done
done

echo "# $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC'), $REPEATS alternating repeats (medians of the per-repeat values)"
awk '
function field(name,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } return "" }
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	# A managed row read through a stream (consumer=typed...) is a row of its own, compared with the libbpf callback row.
	base_key = field("mode") " " field("via") " " field("payload"); impl = field("impl"); consumer = field("consumer")
	key = base_key " " (consumer == "" ? "handler" : consumer)
	if (impl == "libbpf") key = base_key " handler"
	if (!(key in keys)) { keys[key] = 1; order[++count] = key; base[key] = base_key " handler" }
	ns[key, impl] = ns[key, impl] " " field("median_ns_per_record")
	rps[key, impl] = rps[key, impl] " " field("records_per_s")
	drop[key, impl] = drop[key, impl] " " field("dropped")
	if (impl == "managed") alloc[key] = alloc[key] " " field("allocated_bytes_per_record")
}
END {
	printf "%-6s %-4s %7s %-8s | %12s %12s %7s | %14s %14s %7s | %9s %9s | %s\n", "mode", "via", "payload", "consumer", "managed ns", "libbpf ns", "ratio", "managed rec/s", "libbpf rec/s", "ratio", "m.drops", "l.drops", "managed B/record"
	for (i = 1; i <= count; i++) {
		k = order[i]; split(k, p, " "); b = base[k]
		mn = median(ns[k, "managed"]); ln = median(ns[b, "libbpf"])
		mr = median(rps[k, "managed"]); lr = median(rps[b, "libbpf"])
		printf "%-6s %-4s %7s %-8s | %12.2f %12.2f %7.2f | %14.0f %14.0f %7.2f | %9s %9s | %s\n", p[1], p[2], p[3], p[4], mn, ln, (ln > 0 ? mn / ln : 0), mr, lr, (lr > 0 ? mr / lr : 0), median(drop[k, "managed"]), median(drop[b, "libbpf"]), median(alloc[k])
	}
}' "$LOG"
echo "# raw lines: $LOG"
