/*
 * The writing half of the result-document contract (lib/resultdoc.h is the
 * reading half: validate): run UUIDs, RFC 3339 timestamps with
 * milliseconds, and the skeleton of a document for a run that could not
 * describe itself (a boot that died, a command that timed out): gembench,
 * the testbed and the daemon all write through here, so there is one UUID
 * generator and one timestamp format in the tree.
 */
#ifndef BL_DOCWRITE_H
#define BL_DOCWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define BL_UUID_LEN    37 /* 36 characters and the NUL */
#define BL_RFC3339_LEN 32 /* "2026-12-03T11:32:10.123Z" and room to spare */

/* A random (version 4) UUID, lower case, into @buf. 0 or -errno (getrandom). */
int bl_uuid4(char buf[BL_UUID_LEN]);

/* @ts (NULL: now) as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). */
void bl_rfc3339(const struct timespec *ts, char buf[BL_RFC3339_LEN]);

/* The same for whole seconds since the epoch (".000Z"). */
void bl_rfc3339_unix(int64_t unix_s, char buf[BL_RFC3339_LEN]);

/* What a run that produced no document of its own is known by. */
struct bl_doc_bare {
	const char *status;	  /* "failed", "skipped" or "timeout" */
	const char *error;	  /* why, one line or several; required */
	const char *tool_name;	  /* who writes it: "bouncelab-lab", "bouncelabd", ... */
	const char *tool_version; /* NULL: this build's version */
	const char *started_at;	  /* RFC 3339; NULL: now */
	const char *finished_at;  /* RFC 3339; NULL: now */
	const char *job_name;	  /* NULL: "unknown" */
	const char *backend;	  /* NULL: "unknown" */
	const char *workload;	  /* NULL: "unknown" */
};

/*
 * A new contract document (format 1, a fresh run_id, empty results, null
 * host/kernel/device/importer, job {name, backend, workload, params {}})
 * for @bare; the caller adds what it knows (kernel, dma, testbed, ...) with
 * json_object_set_new. NULL when out of memory or no UUID could be made.
 */
json_t *bl_doc_bare_new(const struct bl_doc_bare *bare);

#endif
