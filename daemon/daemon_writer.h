/*
 * bouncelabd's ingest writer: one thread with its own store handle that
 * commits validated documents in batches (bl_store_put_runs, one
 * transaction per batch) while the event loop goes on serving.
 *
 * The loop queues each document (bld_writer_add); the writer thread takes
 * everything queued the moment it is idle, without waiting for the loop
 * (group commit: the busier the daemon, the larger the batches). Committed
 * batches come back on the loop thread through an eventfd, so HTTP answers
 * are sent from the loop only, and only after the commit. The documents are
 * freed on the loop after delivery, by the thread that allocated them
 * (freeing them on the writer thread was slower: cross-thread frees).
 */
#ifndef BLD_WRITER_H
#define BLD_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

struct event_base;
struct bld_writer;

/* A committed (or failed) batch as the loop sees it. */
struct bld_batch {
	struct bld_batch *next;	       /* the writer's lists */
	struct bl_resultdoc **docs;    /* owned by the batch; freed after delivery */
	void **items;		       /* the caller's (HTTP requests), queue order */
	char (*run_ids)[37];	       /* copies, for the answers */
	enum bl_put_outcome *outcomes; /* filled by the writer */
	size_t n, cap;
	int ret;	  /* bl_store_put_runs() */
	char errmsg[256]; /* bl_store_errmsg() when ret < 0 */
};

/* Called on the loop thread with each committed (or failed) batch, in commit order. */
typedef void (*bld_written_fn)(void *user, const struct bld_batch *b);

/*
 * Opens @db_path a second time for the writer thread (@sync_full: fsync
 * every commit). 0 or -errno (logged).
 */
int bld_writer_new(struct event_base *base, const char *db_path, bool sync_full, bld_written_fn fn,
		   void *user, struct bld_writer **out);
/*
 * Queues @doc for the next transaction; @item comes back in the batch.
 * 0 (the writer owns @doc) or -ENOMEM (the caller still does). Loop thread.
 */
int bld_writer_add(struct bld_writer *w, struct bl_resultdoc *doc, void *item);
/* Documents queued or being committed whose batch has not been delivered. Loop thread. */
size_t bld_writer_pending(const struct bld_writer *w);
/* Blocks until every queued document is committed and its batch delivered. */
void bld_writer_drain(struct bld_writer *w);
/* Drains, stops the thread, closes its store. NULL is fine. */
void bld_writer_free(struct bld_writer *w);

#endif
