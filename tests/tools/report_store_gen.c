/*
 * report_store_gen: a synthetic store for bench/scripts/report_scale.sh.
 *
 * Writes DOCS result documents shaped like the testbed's nightly matrix
 * (configs/jobs/standard.ini): per night, 2 kernels (6.1, 6.12) x 5 DMA
 * modes x 18 jobs, each document 13 sizes (4K..16M) with 3 repetitions,
 * every counter (6.1: dma:* counters null with their reason), latency
 * percentiles, per_rep, and the dma-heap 1M+ imports under force refused
 * with EIO as on real 6.12. Nights are one day apart, newest last, so the
 * store holds DOCS / 180 nights of history. Figures are invented (a
 * deterministic generator, the same store every time) and every document
 * says so in its `fixture` member.
 *
 * Documents go through bl_resultdoc_parse() (validation) and
 * bl_store_put_runs() in batches of 500 (one transaction each).
 *
 * usage: report_store_gen --db PATH -n DOCS
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "resultdoc.h"
#include "store.h"

#define BATCH 500
#define SIZES 13
#define REPS 3

static const struct {
	const char *release, *version, *package_version, *series;
	bool dma_tp; /* dma:* tracepoints (6.12+) */
} kernels[] = {
	{ "6.1.0-41-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1", "6.1.158-1", "6.1", false },
	{ "6.12.57+deb13-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1", "6.12.57-1", "6.12",
	  true },
};

static const struct {
	const char *name, *swiotlb, *iommu, *cmdline;
} modes[] = {
	{ "default", "default", "off", "" },
	{ "force", "force", "off", "swiotlb=force" },
	{ "noforce", "noforce", "off", "swiotlb=noforce" },
	{ "iommu", "default", "on", "intel_iommu=on" },
	{ "iommu-pt", "default", "pt", "intel_iommu=on iommu=pt" },
};

/* name, workload, backend, device, importer (NULL: none) */
static const char *const jobs[][5] = {
	{ "create-vgem", "create", "dumb", "vgem", NULL },
	{ "create-virtio_gpu", "create", "dumb", "virtio_gpu", NULL },
	{ "populate-vgem", "populate", "dumb", "vgem", NULL },
	{ "populate-virtio_gpu", "populate", "dumb", "virtio_gpu", NULL },
	{ "mmap-vgem", "mmap", "dumb", "vgem", NULL },
	{ "mmap-udmabuf", "mmap", "udmabuf", "udmabuf", NULL },
	{ "export-vgem", "export", "dumb", "vgem", NULL },
	{ "import-udmabuf-vgem", "import", "udmabuf", "udmabuf", "vgem" },
	{ "import-dmaheap-vgem", "import", "dmaheap", "system", "vgem" },
	{ "import-vgem-virtio_gpu", "import", "dumb", "vgem", "virtio_gpu" },
	{ "import-virtio_gpu-vgem", "import", "dumb", "virtio_gpu", "vgem" },
	{ "import-vgem-samedev", "import", "dumb", "vgem", "vgem" },
	{ "sync-udmabuf-vgem", "sync", "udmabuf", "udmabuf", "vgem" },
	{ "sync-vgem", "sync", "dumb", "vgem", NULL },
	{ "integrity-udmabuf-vgem", "integrity", "udmabuf", "udmabuf", "vgem" },
	{ "integrity-virtio_gpu-vgem", "integrity", "dumb", "virtio_gpu", "vgem" },
	{ "occupancy-virtio_gpu", "occupancy", "dumb", "virtio_gpu", NULL },
	{ "occupancy-udmabuf-vgem", "occupancy", "udmabuf", "udmabuf", "vgem" },
};

#define NK (sizeof(kernels) / sizeof(kernels[0]))
#define NM (sizeof(modes) / sizeof(modes[0]))
#define NJ (sizeof(jobs) / sizeof(jobs[0]))

/* A small deterministic generator (splitmix64): the same store every time. */
static uint64_t rng_state = 0x5eed;

static double rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ULL << 53);
}

static json_t *result_row(size_t k, size_t m, size_t j, int si)
{
	int64_t size = (int64_t)4096 << si;
	bool force = !strcmp(modes[m].name, "force");
	bool refused = force && kernels[k].dma_tp && !strcmp(jobs[j][0], "import-dmaheap-vgem") &&
		       size >= (1 << 20);
	double base = 2e5 / (1.0 + (double)size / 65536.0) * (force ? 0.6 : 1.0) *
		      (1.0 + 0.05 * (double)k);
	json_t *ops_v = json_array(), *bytes_v = json_array(), *rep_ops = json_array(),
	       *rep_b = json_array();
	int64_t ops = 0, bounced = 0, segs = size / 4096;
	double sum = 0;

	for (int r = 0; r < REPS; r++) {
		double v = base * (1.0 + 0.08 * (rnd() - 0.5));
		int64_t o = 20 + (int64_t)(rnd() * 5);
		int64_t b = force ? o * segs : 0;

		sum += v;
		json_array_append_new(ops_v, json_real(v));
		json_array_append_new(bytes_v, json_real(v * (double)size));
		json_array_append_new(rep_ops, json_integer(o));
		json_array_append_new(rep_b, json_integer(b));
		ops += o;
		bounced += b;
	}
	json_t *counters = json_pack(
		"{s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:o}", "swiotlb_bounced",
		(json_int_t)bounced, "swiotlb_bounced_bytes", (json_int_t)(bounced * 4096),
		"dma_map_sg", kernels[k].dma_tp ? json_integer(ops) : json_null(), "dma_map_page",
		kernels[k].dma_tp ? json_integer(0) : json_null(), "dma_map_segments",
		kernels[k].dma_tp ? json_integer(ops * segs) : json_null(), "io_tlb_nslabs",
		(json_int_t)32768, "io_tlb_used_before", (json_int_t)2000, "io_tlb_used_peak",
		(json_int_t)(2000 + (force ? segs : 0)), "io_tlb_used_after", (json_int_t)2000,
		"dma_sync_bytes", kernels[k].dma_tp ? json_integer(force ? ops * size : 0) : json_null());
	json_t *unavailable = kernels[k].dma_tp ?
		json_object() :
		json_pack("{s:s, s:s, s:s, s:s, s:s}", "dma_map_sg", "no dma:* tracepoints on this kernel",
			  "dma_map_page", "no dma:* tracepoints on this kernel", "dma_map_segments",
			  "no dma:* tracepoints on this kernel", "dma_sync_bytes",
			  "no dma:* tracepoints on this kernel", "bounce_rate",
			  "no dma:* tracepoints on this kernel");
	json_t *failures = refused ?
		json_pack("{s:I, s:i, s:s, s:[s]}", "ops", (json_int_t)ops, "errno", 5, "error",
			  "DMA_BUF_IOCTL import: Input/output error", "kernel_log",
			  "platform vgem: swiotlb buffer is full (sz: 1048576 bytes), total 32768 "
			  "(slots), used 2000 (slots)") :
		json_pack("{s:i, s:n, s:n, s:[]}", "ops", 0, "errno", "error", "kernel_log");

	return json_pack("{s:s, s:I, s:i, s:I, s:I, s:{s:f, s:o}, s:{s:f, s:o}, "
			 "s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:{s:o, s:o}}",
			 "workload", jobs[j][1], "size", (json_int_t)size, "reps", REPS, "ops",
			 (json_int_t)ops, "duration_ns", (json_int_t)((double)ops / base * 1e9),
			 "ops_per_sec", "mean", sum / REPS, "values", ops_v, "bytes_per_sec", "mean",
			 sum / REPS * (double)size, "values", bytes_v, "latency_ns", "p50",
			 (json_int_t)(1e9 / base), "p90", (json_int_t)(1.2e9 / base), "p99",
			 (json_int_t)(1.5e9 / base), "p999", (json_int_t)(2e9 / base), "max",
			 (json_int_t)(3e9 / base), "counters", counters, "bounce_rate",
			 kernels[k].dma_tp ? json_real(force ? 1.0 : 0.0) : json_null(), "failures",
			 failures, "unavailable", unavailable, "per_rep", "ops", rep_ops,
			 "swiotlb_bounced", rep_b);
}

static char *make_doc(long i, long night, size_t k, size_t m, size_t j)
{
	char uuid[48], t[64], cmdline[128];
	long sec = 2 * 3600 + (long)((k * NM + m) * NJ + j) * 20;
	json_t *results = json_array(), *doc;
	char *text;

	snprintf(uuid, sizeof(uuid), "5ca1e000-0000-4000-8000-%012ld", i);
	/* night 0 is 2026-01-01; day-of-year arithmetic kept simple: months of 28 days */
	snprintf(t, sizeof(t), "%04ld-%02ld-%02ldT%02ld:%02ld:%02ldZ", 2026 + night / 336,
		 night % 336 / 28 + 1, night % 28 + 1, sec / 3600, sec / 60 % 60, sec % 60);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 quiet panic=-1 %s", modes[m].cmdline);
	for (int si = 0; si < SIZES; si++)
		json_array_append_new(results, result_row(k, m, j, si));
	doc = json_pack("{s:i, s:s, s:s, s:n, s:s, s:{s:s, s:s}, s:s, s:s,"
			" s:{s:s, s:s, s:I}, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s},"
			" s:{s:s, s:I, s:s}, s:{s:s, s:s, s:n, s:n}, s:o,"
			" s:{s:s, s:s, s:s, s:{}}, s:o}",
			"format", 1, "run_id", uuid, "status", "ok", "error", "fixture",
			"SYNTHETIC store for bench/scripts/report_scale.sh, not measured", "tool",
			"name", "gembench", "version", "0.1.0", "started_at", t, "finished_at", t,
			"host", "hostname", "bouncelab-guest", "cpu", "QEMU TCG CPU version 2.5+",
			"mem_bytes", (json_int_t)2147483648LL, "kernel", "release",
			kernels[k].release, "version", kernels[k].version, "cmdline", cmdline,
			"boot_id", "6b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8", "testbed",
			"package_version", kernels[k].package_version, "series", kernels[k].series,
			"mode", modes[m].name, "dma", "swiotlb", modes[m].swiotlb, "swiotlb_slabs",
			(json_int_t)32768, "iommu", modes[m].iommu, "device", "node", "/dev/dri/card0",
			"driver", jobs[j][3], "driver_version", "pci_id", "importer",
			jobs[j][4] ? json_pack("{s:s, s:s, s:n, s:n}", "node", "/dev/dri/card1",
					       "driver", jobs[j][4], "driver_version", "pci_id") :
				     json_null(),
			"job", "name", jobs[j][0], "backend", jobs[j][2], "workload", jobs[j][1],
			"params", "results", results);
	if (!doc)
		return NULL;
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ 0 },
	};
	struct bl_resultdoc *docs[BATCH];
	enum bl_put_outcome out[BATCH];
	char *texts[BATCH];
	struct bl_store *s = NULL;
	const char *db = NULL;
	long n = 6000, per_night = (long)(NK * NM * NJ), nights, done = 0;
	char err[512];
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'd': db = optarg; break;
		default:
			fprintf(stderr, "usage: report_store_gen --db PATH -n DOCS\n");
			return 2;
		}
	}
	if (!db || n <= 0) {
		fprintf(stderr, "usage: report_store_gen --db PATH -n DOCS\n");
		return 2;
	}
	if (bl_store_open(db, NULL, &s, err, sizeof(err))) {
		fprintf(stderr, "report_store_gen: %s\n", err);
		return 1;
	}
	nights = (n + per_night - 1) / per_night;
	while (done < n) {
		size_t b = 0;

		for (; b < BATCH && done < n; b++, done++) {
			long night = done / per_night, pos = done % per_night;
			size_t j = (size_t)pos % NJ, m = (size_t)pos / NJ % NM, k = (size_t)pos / NJ / NM;

			texts[b] = make_doc(done, night, k, m, j);
			if (!texts[b] || bl_resultdoc_parse(texts[b], strlen(texts[b]), &docs[b], err,
							    sizeof(err))) {
				fprintf(stderr, "report_store_gen: document %ld: %s\n", done,
					texts[b] ? err : "out of memory");
				goto out;
			}
		}
		if (bl_store_put_runs(s, docs, b, out)) {
			fprintf(stderr, "report_store_gen: %s\n", bl_store_errmsg(s));
			goto out;
		}
		for (size_t i = 0; i < b; i++) {
			bl_resultdoc_free(docs[i]);
			free(texts[i]);
		}
	}
	printf("docs=%ld nights=%ld result_rows=%ld\n", n, nights, n * SIZES);
	ret = 0;
out:
	bl_store_close(s);
	return ret;
}
