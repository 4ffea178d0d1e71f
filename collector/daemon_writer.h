/*
 * bouncelabd's ingest writer: one thread with its own store handle that
 * commits batches of validated documents (bl_store_put_runs, one
 * transaction per batch) while the event loop goes on serving. While a
 * batch is being committed the next one gathers on the loop; it is handed
 * over as soon as the writer is idle (group commit: the busier the daemon,
 * the larger the batches). Results come back on the loop thread through an
 * eventfd, so HTTP answers are sent from the loop only, and only after the
 * commit.
 */
#ifndef BLD_WRITER_H
#define BLD_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

struct event_base;
struct bld_writer;

struct bld_batch {
	struct bl_resultdoc **docs;	  /* owned by the batch */
	void **items;			  /* the caller's (HTTP requests) */
	enum bl_put_outcome *outcomes;	  /* filled by the writer */
	size_t n, cap;
	int ret;			  /* bl_store_put_runs() */
	char errmsg[256];		  /* bl_store_errmsg() when ret < 0 */
};

/* Appends one document to @b (growing it). 0 or -ENOMEM. */
int bld_batch_add(struct bld_batch *b, struct bl_resultdoc *doc, void *item);
/* Frees the documents and empties @b (keeps its arrays). */
void bld_batch_clear(struct bld_batch *b);
void bld_batch_release(struct bld_batch *b);

/* Called on the loop thread with the committed (or failed) batch; the callee clears it. */
typedef void (*bld_written_fn)(void *user, struct bld_batch *b);

/* Opens @db_path a second time for the writer thread. 0 or -errno (logged). */
int bld_writer_new(struct event_base *base, const char *db_path, bld_written_fn fn, void *user,
		   struct bld_writer **out);
/* True while a batch is being committed. */
bool bld_writer_busy(const struct bld_writer *w);
/* Swaps @b's contents into the writer (which must be idle); @b comes back empty. */
void bld_writer_submit(struct bld_writer *w, struct bld_batch *b);
/* Blocks until the writer is idle and its result delivered. */
void bld_writer_wait(struct bld_writer *w);
void bld_writer_free(struct bld_writer *w);

#endif
