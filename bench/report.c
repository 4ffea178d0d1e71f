/*
 * Terminal table of gembench results (see report.h). It reads the finished
 * row objects, so the table always shows what the document says.
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "options.h"

void gb_format_ns(double ns, char *buf, size_t len)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

void gb_report_header(FILE *out, const char *job, json_t *doc)
{
	json_t *dev = json_object_get(doc, "device"), *imp = json_object_get(doc, "importer");
	json_t *dma = json_object_get(doc, "dma");

	fprintf(out, "\n== %s: %s on %s (%s)%s%s  swiotlb=%s iommu=%s\n", job,
		json_string_value(json_object_get(json_object_get(doc, "job"), "workload")),
		json_string_value(json_object_get(dev, "driver")) ?
			json_string_value(json_object_get(dev, "driver")) : "?",
		json_string_value(json_object_get(json_object_get(doc, "job"), "backend")),
		imp && json_is_object(imp) ? " -> " : "",
		imp && json_is_object(imp) ? json_string_value(json_object_get(imp, "driver")) : "",
		json_string_value(json_object_get(dma, "swiotlb")),
		json_string_value(json_object_get(dma, "iommu")));
	fprintf(out, "%-10s %-12s %6s %7s %10s %10s %9s %9s %10s %10s %6s  %s\n", "workload",
		"variant", "size", "ops", "ops/s", "MiB/s", "p50", "p99", "bounce/op", "bytes/op",
		"rate", "failures");
}

static void fmt_per_op(json_t *v, uint64_t ops, char *buf, size_t len)
{
	if (!json_is_integer(v))
		snprintf(buf, len, "n/a");
	else if (!ops)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", (double)json_integer_value(v) / (double)ops);
}

void gb_report_row(FILE *out, json_t *row, bool color)
{
	json_t *c = json_object_get(row, "counters"), *f = json_object_get(row, "failures");
	json_t *lat = json_object_get(row, "latency_ns"), *rate = json_object_get(row, "bounce_rate");
	uint64_t ops = (uint64_t)json_integer_value(json_object_get(row, "ops"));
	uint64_t failed = (uint64_t)json_integer_value(json_object_get(f, "ops"));
	char size[16], p50[16], p99[16], bpo[16], bytes[16], rates[16], fails[160];
	const char *variant = json_string_value(json_object_get(row, "variant"));

	gb_format_size((uint64_t)json_integer_value(json_object_get(row, "size")), size,
		       sizeof(size));
	gb_format_ns((double)json_integer_value(json_object_get(lat, "p50")), p50, sizeof(p50));
	gb_format_ns((double)json_integer_value(json_object_get(lat, "p99")), p99, sizeof(p99));
	fmt_per_op(json_object_get(c, "swiotlb_bounced"), ops, bpo, sizeof(bpo));
	fmt_per_op(json_object_get(c, "swiotlb_bounced_bytes"), ops, bytes, sizeof(bytes));
	if (json_is_number(rate))
		snprintf(rates, sizeof(rates), "%.3f", json_number_value(rate));
	else
		snprintf(rates, sizeof(rates), "n/a");
	if (failed)
		snprintf(fails, sizeof(fails), "!! %" PRIu64 "/%" PRIu64 " %s%s%s", failed, ops,
			 json_string_value(json_object_get(f, "errno_name")) ?
				 json_string_value(json_object_get(f, "errno_name")) : "",
			 json_array_size(json_object_get(f, "kernel_log")) ? ": " : "",
			 json_array_size(json_object_get(f, "kernel_log")) ?
				 json_string_value(json_array_get(json_object_get(f, "kernel_log"), 0)) :
				 "");
	else
		snprintf(fails, sizeof(fails), "0");
	if (failed && color)
		fputs("\033[1;31m", out);
	fprintf(out, "%-10s %-12s %6s %7" PRIu64 " %10.1f %10.2f %9s %9s %10s %10s %6s  %s\n",
		json_string_value(json_object_get(row, "workload")), variant ? variant : "-", size,
		ops, json_number_value(json_object_get(json_object_get(row, "ops_per_sec"), "mean")),
		json_number_value(json_object_get(json_object_get(row, "bytes_per_sec"), "mean")) /
			(1024.0 * 1024.0),
		p50, p99, bpo, bytes, rates, fails);
	if (failed && color)
		fputs("\033[0m", out);
}

void gb_report_skipped(FILE *out, const char *workload, const char *variant, const char *reason)
{
	fprintf(out, "%-10s %-12s skipped: %s\n", workload, variant ? variant : "-", reason);
}

void gb_report_status(FILE *out, json_t *doc)
{
	const char *status = json_string_value(json_object_get(doc, "status"));
	const char *err = json_string_value(json_object_get(doc, "error"));

	if (strcmp(status, "ok"))
		fprintf(out, "-- status %s%s%s\n", status, err ? ": " : "", err ? err : "");
}
