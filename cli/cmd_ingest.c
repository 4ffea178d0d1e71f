/*
 * `bouncelab ingest FILE...`: store result documents.
 *
 * A file holds one document (pretty-printed or not), JSON Lines, or any
 * sequence of JSON objects; '-' is stdin; a directory stands for every
 * *.json and *.jsonl file below it (what `make run` and `lab` write). Documents go through bouncelabd
 * (POST /api/v1/runs on its unix socket) when the daemon answers, so that
 * one process owns the write path; otherwise straight into the database
 * with the same store code. Either way a run UUID already stored is stored
 * once. Every document gets a line: stored, duplicate or rejected (with
 * the reason). Valid documents are stored even when others are rejected;
 * the exit code is 1 when any was rejected or could not be stored.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "commands.h"
#include "fsutil.h"
#include "http_client.h"
#include "log.h"
#include "paths.h"
#include "resultdoc.h"
#include "store.h"

#define INGEST_TIMEOUT_MS 30000

struct ingest {
	const char *db_path, *socket_path;
	bool direct;		 /* --direct: never use the daemon */
	bool quiet;		 /* only problems and the summary */
	bool via_daemon;	 /* the daemon answered (and still does) */
	struct bl_store *store;	 /* opened on first direct write */
	long stored, duplicate, rejected, failed;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab ingest [--db PATH] [--socket PATH] [--direct] [--quiet] FILE|DIR...\n\n"
		"Store result documents (format 1). A FILE holds one document or JSON Lines of\n"
		"them; '-' reads stdin; a DIR stands for every *.json and *.jsonl file below it\n"
		"(hidden folders left out), in name order. Through bouncelabd when its socket\n"
		"answers, else straight into the database.\n\n"
		"  --db PATH      database (default $BOUNCELAB_DB, else %s)\n"
		"  --socket PATH  daemon socket (default $BOUNCELAB_SOCKET, else %s)\n"
		"  --direct       write into the database even when the daemon answers\n"
		"  --quiet        print only rejected documents and the summary\n\n"
		"Prints per document: SOURCE: RUN_ID: stored | duplicate | rejected: REASON.\n"
		"Exit status: 0 all stored or duplicate, 1 any rejected or not stored, 2 usage.\n",
		BL_DEFAULT_DB, BL_DEFAULT_SOCKET);
}

/*
 * The most one file (or stdin) may hold: a night of the testbed's standard
 * matrix is ~10 MB of documents, so this only stops a wrong file (a disk
 * image, /dev/zero) from eating the machine's memory.
 */
#define INGEST_FILE_MAX (1024ul << 20)

/* Reads all of @path ('-' = stdin) into a malloc'd, NUL-terminated buffer. */
static int read_all(const char *path, char **out, size_t *out_len)
{
	if (!strcmp(path, "-"))
		return bl_read_fd(STDIN_FILENO, INGEST_FILE_MAX, out, out_len);
	return bl_read_file(path, INGEST_FILE_MAX, out, out_len);
}

static void report(struct ingest *g, const char *src, const char *run_id, const char *what,
		   const char *why)
{
	bool problem = why != NULL;

	if (g->quiet && !problem)
		return;
	printf("%s: %s: %s%s%s\n", src, run_id ? run_id : "-", what, why ? ": " : "",
	       why ? why : "");
}

static int open_store(struct ingest *g)
{
	char err[512];
	int ret;

	if (g->store)
		return 0;
	ret = bl_store_open(g->db_path, NULL, &g->store, err, sizeof(err));
	if (ret)
		bl_err("%s", err);
	return ret;
}

/* Stores one parsed document with the store; returns after the commit. */
/*
 * Validates and stores one document. Parsed again from its own text (the
 * caller's parse only found where it ends) so that the store keeps the
 * text exactly as it was in the file, as it does for documents the daemon
 * receives.
 */
static void put_direct(struct ingest *g, const char *src, json_t *root, const char *text,
		       size_t len)
{
	struct bl_resultdoc *doc = NULL;
	enum bl_put_outcome outcome;
	char err[512];
	const char *id = json_string_value(json_object_get(root, "run_id"));

	if (bl_resultdoc_parse(text, len, &doc, err, sizeof(err))) {
		g->rejected++;
		report(g, src, id, "rejected", err);
		return;
	}
	if (open_store(g)) {
		g->failed++;
		report(g, src, doc->run_id, "not stored", "cannot open the database");
	} else if (bl_store_put_run(g->store, doc, &outcome)) {
		g->failed++;
		report(g, src, doc->run_id, "not stored", bl_store_errmsg(g->store));
	} else if (outcome == BL_PUT_INSERTED) {
		g->stored++;
		report(g, src, doc->run_id, "stored", NULL);
	} else {
		g->duplicate++;
		report(g, src, doc->run_id, bl_put_outcome_names[outcome], NULL);
	}
	bl_resultdoc_free(doc);
}

/*
 * Sends one document's text to the daemon. Returns 0 when the daemon gave
 * an answer (whatever it was), -errno when it did not answer: the caller
 * then stores the document directly (a resubmission is safe, UUIDs are
 * stored once).
 */
static int put_daemon(struct ingest *g, const char *src, json_t *root, const char *text,
		      size_t len)
{
	struct bl_http_response resp;
	const char *id = json_string_value(json_object_get(root, "run_id"));
	const char *why;
	json_t *body;
	int ret;

	ret = bl_http_request(g->socket_path, "POST", "/api/v1/runs", text, len, INGEST_TIMEOUT_MS,
			      &resp);
	if (ret)
		return ret;
	body = json_loads(resp.body, 0, NULL);
	if (json_string_value(json_object_get(body, "run_id")))
		id = json_string_value(json_object_get(body, "run_id"));
	why = json_string_value(json_object_get(body, "error"));
	switch (resp.status) {
	case 201:
		g->stored++;
		report(g, src, id, "stored", NULL);
		break;
	case 200: {
		const char *o = json_string_value(json_object_get(body, "outcome"));

		g->duplicate++;
		report(g, src, id, o ? o : "duplicate", NULL);
		break;
	}
	case 400:
	case 413:
		g->rejected++;
		report(g, src, id, "rejected", why ? why : resp.body);
		break;
	default: {
		char msg[600];

		g->failed++;
		snprintf(msg, sizeof(msg), "daemon answered %d: %s", resp.status,
			 why ? why : resp.body);
		report(g, src, id, "not stored", msg);
	}
	}
	json_decref(body);
	bl_http_response_free(&resp);
	return 0;
}

static void put_one(struct ingest *g, const char *src, json_t *root, const char *text, size_t len)
{
	if (g->via_daemon) {
		int ret = put_daemon(g, src, root, text, len);

		if (!ret)
			return;
		bl_warn("daemon at %s stopped answering (%s); storing into %s directly",
			g->socket_path, strerror(-ret), g->db_path);
		g->via_daemon = false;
	}
	put_direct(g, src, root, text, len);
}

static size_t line_of(const char *buf, size_t pos, size_t *last_pos, size_t *last_line)
{
	for (size_t i = *last_pos; i < pos; i++)
		if (buf[i] == '\n')
			(*last_line)++;
	*last_pos = pos;
	return *last_line;
}

/* Walks the documents of one file (one object, JSON Lines, or a sequence). */
static void ingest_buffer(struct ingest *g, const char *name, const char *buf, size_t len)
{
	size_t pos = 0, lpos = 0, line = 1;
	char src[512];

	for (;;) {
		json_error_t jerr;
		json_t *root;
		size_t at;

		while (pos < len && strchr(" \t\r\n", buf[pos]))
			pos++;
		if (pos >= len)
			break;
		at = line_of(buf, pos, &lpos, &line);
		snprintf(src, sizeof(src), "%s:%zu", name, at);
		root = json_loadb(buf + pos, len - pos,
				  JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			char why[400];
			const char *next;

			snprintf(why, sizeof(why), "invalid JSON at line %zu column %d: %s",
				 at + (size_t)jerr.line - 1, jerr.column, jerr.text);
			g->rejected++;
			report(g, src, NULL, "rejected", why);
			/* resynchronise at the next line that starts a new object */
			next = memmem(buf + pos, len - pos, "\n{", 2);
			if (!next)
				break;
			pos = (size_t)(next - buf) + 1;
			continue;
		}
		if ((size_t)jerr.position > BL_RESULTDOC_MAX_BYTES) {
			char why[128];

			snprintf(why, sizeof(why), "document: %d bytes, more than the limit of %u",
				 jerr.position, BL_RESULTDOC_MAX_BYTES);
			g->rejected++;
			report(g, src, NULL, "rejected", why);
		} else {
			put_one(g, src, root, buf + pos, (size_t)jerr.position);
		}
		json_decref(root);
		pos += (size_t)jerr.position;
	}
}


/* Reads and stores one FILE ('-' = stdin); a read error counts as not stored. */
static void ingest_path(struct ingest *g, const char *path)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	char *buf = NULL;
	size_t len = 0;
	int ret = read_all(path, &buf, &len);

	if (ret) {
		bl_err("ingest: %s: read: %s", name, strerror(-ret));
		g->failed++;
		return;
	}
	ingest_buffer(g, name, buf, len);
	free(buf);
}

/* The files a directory stands for, collected by nftw (no callback context). */
static struct {
	char **v;
	size_t n, cap;
	bool nomem;
} dir_files;

static bool is_document_name(const char *base)
{
	size_t n = strlen(base);

	return (n > 5 && !strcmp(base + n - 5, ".json")) || (n > 6 && !strcmp(base + n - 6, ".jsonl"));
}

static int collect_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)st;
	/* hidden folders hold the lab's scratch (.work: initramfs, overlays) */
	if (type == FTW_D && ftw->level > 0 && base[0] == '.')
		return FTW_SKIP_SUBTREE;
	if (type != FTW_F || !is_document_name(base))
		return FTW_CONTINUE;
	if (dir_files.n == dir_files.cap) {
		size_t cap = dir_files.cap ? 2 * dir_files.cap : 64;
		char **v = realloc(dir_files.v, cap * sizeof(*v));

		if (!v) {
			dir_files.nomem = true;
			return FTW_STOP;
		}
		dir_files.v = v;
		dir_files.cap = cap;
	}
	if (!(dir_files.v[dir_files.n] = strdup(path))) {
		dir_files.nomem = true;
		return FTW_STOP;
	}
	dir_files.n++;
	return FTW_CONTINUE;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Stores every document file below @dir, in name order (boot0 before boot1). */
static void ingest_dir(struct ingest *g, const char *dir)
{
	int ret = nftw(dir, collect_file, 16, FTW_PHYS | FTW_ACTIONRETVAL);

	if (ret || dir_files.nomem) {
		bl_err("ingest: %s: %s", dir, dir_files.nomem ? "out of memory" : strerror(errno));
		g->failed++;
	} else if (!dir_files.n) {
		bl_err("ingest: %s: no *.json or *.jsonl files below it", dir);
		g->failed++;
	}
	if (!ret && !dir_files.nomem) {
		qsort(dir_files.v, dir_files.n, sizeof(*dir_files.v), cmp_path);
		for (size_t i = 0; i < dir_files.n; i++)
			ingest_path(g, dir_files.v[i]);
	}
	for (size_t i = 0; i < dir_files.n; i++)
		free(dir_files.v[i]);
	free(dir_files.v);
	memset(&dir_files, 0, sizeof(dir_files));
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "direct", no_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ingest g = {
		.db_path = bl_default_db_path(),
		.socket_path = bl_default_socket_path(),
	};
	int c, fd = -1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'd': g.db_path = optarg; break;
		case 's': g.socket_path = optarg; break;
		case 'D': g.direct = true; break;
		case 'q': g.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		bl_err("ingest: no FILE given ('-' reads stdin)");
		usage(stderr);
		return 2;
	}
	if (!g.direct && bl_http_connect(g.socket_path, 1000, &fd) == 0) {
		close(fd);
		g.via_daemon = true;
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (strcmp(argv[i], "-") && !stat(argv[i], &st) && S_ISDIR(st.st_mode))
			ingest_dir(&g, argv[i]);
		else
			ingest_path(&g, argv[i]);
	}
	fflush(stdout); /* the per-document lines before the summary */
	fprintf(stderr, "ingest: %ld stored, %ld duplicate, %ld rejected, %ld not stored (%s %s)\n",
		g.stored, g.duplicate, g.rejected, g.failed,
		g.via_daemon ? "through the daemon at" : "directly into",
		g.via_daemon ? g.socket_path : g.db_path);
	bl_store_close(g.store);
	return g.rejected || g.failed ? 1 : 0;
}
