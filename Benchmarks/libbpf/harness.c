// SPDX-License-Identifier: GPL-2.0
/* libbpf reference harness for ManagedBpf's benchmarks and differential tests (comparison only:
 * the library never uses libbpf). It loads fixtures/obj/producers.bpf.o itself with libbpf (the
 * simplest robust path: no pinning, no bpffs, nothing shared with the managed process), drives the
 * generator programs through bpf_prog_test_run_opts and drains with libbpf's consumers.
 *
 *   harness OBJ dump   ring|perf PAYLOAD N [CPUS]   one line per record, "cpu len hex" (cpu -1 for the ring):
 *                                                  ring: one run of N records; perf: one run of N on each CPU of
 *                                                  the comma-separated list CPUS (default: the last CPU), in order
 *   harness OBJ pin    ring|perf PAYLOAD N DIR      load, set payload_size and record_count, pin the generator
 *                                                  program at DIR/prog and its map at DIR/map, exit (for a
 *                                                  managed consumer: the differential test drains the same kind of run)
 *   harness OBJ drain  ring|perf PAYLOAD N ROUNDS   median ns/record of ring_buffer__consume / perf_buffer__consume
 *   harness OBJ limit  ring|perf PAYLOAD N ROUNDS   the floor of a drain: the same fill, then a loop that walks the
 *                                                  records in the same memory reading each one's length to find the
 *                                                  next (the consumer's dependent chain) and nothing else
 *   harness OBJ stream ring|perf PAYLOAD N          producer threads on the first CPUs, consumer in __poll on the next
 *
 * Options, after the positional arguments:
 *   --buffer-size BYTES   the ring buffer's size (a power of two, a multiple of the page), or each CPU's perf buffer
 *                         (a power-of-two number of pages); default 256 KiB, as the object's ring and 64 perf pages
 *   --producers N         stream: N producer threads pinned to the first N online CPUs; the consumer on the next
 *                         online CPU, or with the last producer when every CPU produces (default 1)
 *
 * Build: gcc -O2 -o harness harness.c -lbpf -lpthread   (Debian: apt-get install -y libbpf-dev) */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct bpf_object *obj;
static struct bpf_program *prog;
static int via_perf, dump_mode;
static struct variable payload_size, record_count, ring_drops, perf_drops;
static __u32 records_per_run;
static __u64 delivered, lost, checksum;
static size_t buffer_size = 256 * 1024;
static int producers = 1;
static int online[1024], online_count;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "harness: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* A global variable of an internal map (.data, .bss), found through the object's BTF, read and written
 * through the map with bpf_map_lookup_elem/update_elem (works whether or not libbpf mmapped it). */
struct variable {
	int fd;
	__u32 offset, value_size;
};

static struct variable variable(const char *section, const char *name)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *mname = bpf_map__name(map);
		size_t n = strlen(mname), s = strlen(section);
		if (!bpf_map__is_internal(map) || n < s || strcmp(mname + n - s, section))
			continue;
		int id = btf__find_by_name_kind(btf, section, BTF_KIND_DATASEC);
		if (id < 0)
			die("datasec", id);
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);
		for (int i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);
			if (!strcmp(btf__name_by_offset(btf, v->name_off), name))
				return (struct variable){ bpf_map__fd(map), vs->offset, bpf_map__value_size(map) };
		}
	}
	fprintf(stderr, "harness: variable %s not found\n", name);
	exit(1);
}

static __u64 get_var(struct variable v, size_t size)
{
	unsigned char value[4096];
	__u32 zero = 0;
	__u64 out = 0;
	if (v.value_size > sizeof(value) || bpf_map_lookup_elem(v.fd, &zero, value))
		die("lookup variable", errno);
	memcpy(&out, value + v.offset, size);
	return out;
}

static void set_u32(struct variable v, __u32 x)
{
	unsigned char value[4096];
	__u32 zero = 0;
	if (v.value_size > sizeof(value) || bpf_map_lookup_elem(v.fd, &zero, value))
		die("lookup variable", errno);
	memcpy(value + v.offset, &x, sizeof(x));
	if (bpf_map_update_elem(v.fd, &zero, value, BPF_ANY))
		die("update variable", errno);
}

static void set_affinity(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
}

/* One test run: record_count records, on `cpu` (perf: BPF_F_TEST_RUN_ON_CPU; ring: the caller is pinned). */
static void produce(int cpu)
{
	__u64 ctx[1] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	if (via_perf) {
		opts.ctx_in = ctx;
		opts.ctx_size_in = sizeof(ctx);
		opts.flags = BPF_F_TEST_RUN_ON_CPU;
		opts.cpu = cpu;
	}
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		die("bpf_prog_test_run_opts", err);
	if (opts.retval != records_per_run)
		fprintf(stderr, "harness: program returned %d, expected %u\n", (int)opts.retval, records_per_run);
}

static void record(int cpu, const void *data, __u32 size)
{
	delivered++;
	if (dump_mode) {
		const unsigned char *p = data;
		printf("%d %u ", cpu, size);
		for (__u32 i = 0; i < size; i++)
			printf("%02x", p[i]);
		putchar('\n');
	} else {
		/* Touch the record as the managed handler does: read its sequence number. */
		checksum += *(const __u64 *)data;
	}
}

static int on_ring(void *ctx, void *data, size_t size)
{
	(void)ctx;
	record(-1, data, (__u32)size);
	return 0;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)ctx;
	record(cpu, data, size);
}

static void on_lost(void *ctx, int cpu, __u64 count)
{
	(void)ctx;
	(void)cpu;
	lost += count;
}

static struct ring_buffer *rb;
static struct perf_buffer *pb;

static int consume(void)
{
	return via_perf ? perf_buffer__consume(pb) : ring_buffer__consume(rb);
}

static int poll_once(int timeout_ms)
{
	return via_perf ? perf_buffer__poll(pb, timeout_ms) : ring_buffer__poll(rb, timeout_ms);
}

/* The drops the program counted itself. For the perf buffer the kernel's LOST records count the same
 * failed outputs, so they are not added (libbpf reports them to on_lost; `lost` is kept for the log). */
static __u64 drops(void)
{
	return get_var(via_perf ? perf_drops : ring_drops, 8);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int producing;
static __u64 stream_records;

/* A producer thread: test runs of records_per_run records on its CPU until its share is done. */
static void *producer_thread(void *arg)
{
	int cpu = (int)(long)arg;
	set_affinity(cpu);
	__u64 share = stream_records / producers;
	for (__u64 done = 0; done < share; done += records_per_run)
		produce(cpu);
	__atomic_sub_fetch(&producing, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The online CPU ids (/sys/devices/system/cpu/online: "0-3,6"), which can have gaps. */
static void read_online(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	char list[4096];
	if (!f || !fgets(list, sizeof(list), f))
		die("read /sys/devices/system/cpu/online", errno);
	fclose(f);
	for (char *save = NULL, *tok = strtok_r(list, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
		int lo, hi;
		if (sscanf(tok, "%d-%d", &lo, &hi) != 2)
			hi = lo = atoi(tok);
		for (int c = lo; c <= hi && online_count < 1024; c++)
			online[online_count++] = c;
	}
}

/* The limit loop over a ring buffer: from the consumer position to the producer position, read each record's
 * length to find the next, and nothing else; then publish the consumer position, as a consumer would. */
static __u64 walk_ring(volatile __u64 *consumer, volatile __u64 *producer, const unsigned char *data, __u64 mask)
{
	__u64 cons = *consumer, prod = __atomic_load_n(producer, __ATOMIC_ACQUIRE), n = 0;
	while (cons < prod) {
		__u32 len = __atomic_load_n((const __u32 *)(data + (cons & mask)), __ATOMIC_ACQUIRE);
		cons += ((len & ~(3u << 30)) + 8 + 7) & ~7ull;
		n++;
	}
	__atomic_store_n(consumer, cons, __ATOMIC_RELEASE);
	return n;
}

/* The same over a perf buffer: from data_tail to data_head, read each perf_event_header's size, nothing else. */
static __u64 walk_perf(struct perf_event_mmap_page *header, const unsigned char *data, __u64 size)
{
	__u64 tail = header->data_tail, head = __atomic_load_n(&header->data_head, __ATOMIC_ACQUIRE), n = 0;
	while (tail < head) {
		tail += ((const struct perf_event_header *)(data + (tail & (size - 1))))->size;
		n++;
	}
	__atomic_store_n(&header->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s OBJ dump|drain|stream|pin ring|perf PAYLOAD N [ROUNDS|CPUS|DIR]\n", argv[0]);
		return 2;
	}
	const char *mode = argv[2];
	via_perf = !strcmp(argv[3], "perf");
	__u32 payload = (__u32)strtoul(argv[4], NULL, 0);
	__u64 n = strtoull(argv[5], NULL, 0);
	int rounds = argc > 6 && argv[6][0] != '-' ? atoi(argv[6]) : 11;
	for (int i = 6; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--buffer-size"))
			buffer_size = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--producers"))
			producers = atoi(argv[++i]);
	}
	if (producers < 1)
		die("--producers", EINVAL);
	read_online();
	dump_mode = !strcmp(mode, "dump");
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		die("bpf_object__open_file", errno);
	prog = bpf_object__find_program_by_name(obj, via_perf ? "produce_perf" : "produce_ringbuf");
	if (!prog)
		die("find program", ENOENT);
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, via_perf ? "perf" : "ring");
	if (!via_perf && bpf_map__set_max_entries(map, (__u32)buffer_size))
		die("bpf_map__set_max_entries", errno);
	int err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load", err);
	payload_size = variable(".data", "payload_size");
	record_count = variable(".data", "record_count");
	ring_drops = variable(".bss", "ring_drops");
	perf_drops = variable(".bss", "perf_drops");
	set_u32(payload_size, payload);

	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (!strcmp(mode, "pin"))
		; /* the managed side consumes */
	else if (via_perf)
		pb = perf_buffer__new(bpf_map__fd(map), buffer_size / page, on_sample, on_lost, NULL, NULL);
	else
		rb = ring_buffer__new(bpf_map__fd(map), on_ring, NULL, NULL);
	if (strcmp(mode, "pin") && ((via_perf && !pb) || (!via_perf && !rb)))
		die("ring_buffer__new/perf_buffer__new", errno);

	if (!strcmp(mode, "pin")) {
		char path[4096];
		if (argc < 7)
			die("pin needs DIR", EINVAL);
		set_u32(record_count, (__u32)n);
		snprintf(path, sizeof(path), "%s/prog", argv[6]);
		if ((err = bpf_program__pin(prog, path)))
			die("bpf_program__pin", err);
		snprintf(path, sizeof(path), "%s/map", argv[6]);
		if ((err = bpf_map__pin(map, path)))
			die("bpf_map__pin", err);
	} else if (dump_mode) {
		records_per_run = (__u32)n;
		set_u32(record_count, records_per_run);
		if (!via_perf) {
			produce(0);
		} else if (argc > 6) {
			char *list = strdup(argv[6]), *save = NULL;
			for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				produce(atoi(tok));
			free(list);
		} else {
			produce(online[online_count - 1]);
		}
		consume();
		fprintf(stderr, "delivered=%llu dropped=%llu\n", (unsigned long long)delivered, (unsigned long long)drops());
	} else if (!strcmp(mode, "drain") || !strcmp(mode, "limit")) {
		int cpu = online[online_count - 1], limit = !strcmp(mode, "limit");
		set_affinity(cpu);
		records_per_run = (__u32)n;
		set_u32(record_count, records_per_run);
		/* The limit loop's own view of the same memory: the ring mapped once more (consumer page, producer page and
		 * data), or the perf buffer libbpf mapped for this CPU. */
		volatile __u64 *consumer = NULL, *producer = NULL;
		unsigned char *data = NULL;
		struct perf_event_mmap_page *perf_header = NULL;
		if (limit && !via_perf) {
			consumer = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
			producer = mmap(NULL, page + 2 * buffer_size, PROT_READ, MAP_SHARED, bpf_map__fd(map), page);
			if (consumer == MAP_FAILED || producer == MAP_FAILED)
				die("mmap ring", errno);
			data = (unsigned char *)producer + page;
		} else if (limit) {
			void *base;
			size_t size;
			if (perf_buffer__buffer(pb, cpu, &base, &size) || size != buffer_size)
				die("perf_buffer__buffer", EINVAL);
			perf_header = base;
			data = (unsigned char *)base + page;
		}
		double *per = calloc(rounds, sizeof(double));
		__u64 total = 0;
		for (int r = -2; r < rounds; r++) {
			__u64 before = delivered;
			produce(cpu);
			uint64_t t0 = now_ns();
			if (!limit)
				consume();
			else if (via_perf)
				delivered += walk_perf(perf_header, data, buffer_size);
			else
				delivered += walk_ring(consumer, producer, data, buffer_size - 1);
			uint64_t t1 = now_ns();
			__u64 got = delivered - before;
			if (r < 0)
				continue;
			total += got;
			per[r] = got ? (double)(t1 - t0) / got : 0;
		}
		qsort(per, rounds, sizeof(double), cmp_double);
		double median = rounds % 2 ? per[rounds / 2] : (per[rounds / 2 - 1] + per[rounds / 2]) / 2;
		printf("impl=%s mode=drain via=%s payload=%u records=%llu buffer_size=%zu rounds=%d median_ns_per_record=%.2f allocated_bytes_per_record=0 delivered=%llu dropped=%llu records_per_s=%.0f checksum=%llu\n",
		       limit ? "limit" : "libbpf", via_perf ? "perf" : "ring", payload, (unsigned long long)n, buffer_size, rounds, median,
		       (unsigned long long)total, (unsigned long long)drops(), median > 0 ? 1e9 / median : 0, (unsigned long long)checksum);
	} else if (!strcmp(mode, "stream")) {
		/* Producers on the first online CPUs, the consumer on the next (or with the last producer). */
		int consumer_cpu = online[producers < online_count ? producers : online_count - 1];
		set_affinity(consumer_cpu);
		records_per_run = 64; /* records per test run */
		set_u32(record_count, records_per_run);
		stream_records = n;
		producing = producers;
		pthread_t threads[1024];
		uint64_t t0 = now_ns();
		for (int i = 0; i < producers; i++)
			pthread_create(&threads[i], NULL, producer_thread, (void *)(long)online[i % online_count]);
		while (__atomic_load_n(&producing, __ATOMIC_ACQUIRE))
			poll_once(100);
		for (int i = 0; i < producers; i++)
			pthread_join(threads[i], NULL);
		consume();
		uint64_t t1 = now_ns();
		double seconds = (t1 - t0) / 1e9;
		printf("impl=libbpf mode=stream via=%s payload=%u records=%llu buffer_size=%zu producers=%d median_ns_per_record=%.2f allocated_bytes_per_record=0 delivered=%llu dropped=%llu records_per_s=%.0f\n",
		       via_perf ? "perf" : "ring", payload, (unsigned long long)n, buffer_size, producers,
		       delivered ? (t1 - t0) / (double)delivered : 0,
		       (unsigned long long)delivered, (unsigned long long)drops(), delivered / seconds);
	} else {
		fprintf(stderr, "harness: unknown mode %s\n", mode);
		return 2;
	}
	fflush(stdout);
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	bpf_object__close(obj);
	return 0;
}
