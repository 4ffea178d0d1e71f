/*
 * The terminal table: one line per result row, failures made to stand out
 * ("!!" and, on a terminal, red), skipped variants and job status lines.
 */
#ifndef GB_REPORT_H
#define GB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

void gb_report_header(FILE *out, const char *job, json_t *doc);
void gb_report_row(FILE *out, json_t *row, bool color);
void gb_report_skipped(FILE *out, const char *workload, const char *variant, const char *reason);
void gb_report_status(FILE *out, json_t *doc);

/* "1.5 us", "12 ms": a nanosecond figure for people. */
void gb_format_ns(double ns, char *buf, size_t len);

#endif
