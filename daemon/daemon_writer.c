/*
 * The ingest writer thread (see daemon_writer.h).
 *
 * Three places a batch can be, each under w->lock: w->open (the loop
 * appends to it), in the writer's hands (being committed; no list), and
 * w->done (committed, waiting for the loop). The writer takes w->open
 * whole whenever it is idle, so it never waits for the loop to hand work
 * over: on this 2-core machine the old hand-over (the loop gave the writer
 * the next batch only when it got round to the doorbell) left the writer
 * idle while the loop parsed the next requests. One spare batch is kept so
 * the steady state allocates nothing.
 */
#include "daemon_writer.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "resultdoc.h"

struct bld_writer {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct bld_batch *open;			 /* queued, not yet taken by the writer */
	struct bld_batch *done_head, *done_tail; /* committed, not yet delivered */
	struct bld_batch *spare;		 /* an empty batch to reuse */
	bool stop;
	size_t pending;		/* loop thread only: added, not yet delivered */
	struct bl_store *store; /* touched by the writer thread only */
	int efd;
	struct event *ev;
	pthread_t thread;
	bool started;
	bld_written_fn fn;
	void *user;
};

static int batch_grow(struct bld_batch *b)
{
	size_t cap = b->cap ? b->cap * 2 : 16;
	void *p;

	if (!(p = realloc(b->docs, cap * sizeof(*b->docs))))
		return -ENOMEM;
	b->docs = p;
	if (!(p = realloc(b->items, cap * sizeof(*b->items))))
		return -ENOMEM;
	b->items = p;
	if (!(p = realloc(b->run_ids, cap * sizeof(*b->run_ids))))
		return -ENOMEM;
	b->run_ids = p;
	if (!(p = realloc(b->outcomes, cap * sizeof(*b->outcomes))))
		return -ENOMEM;
	b->outcomes = p;
	b->cap = cap;
	return 0;
}

static void batch_free(struct bld_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		bl_resultdoc_free(b->docs[i]);
	free(b->docs);
	free(b->items);
	free(b->run_ids);
	free(b->outcomes);
	free(b);
}

/* Commits @b and frees its documents (writer thread, lock not held). */
static void commit(struct bld_writer *w, struct bld_batch *b)
{
	b->ret = bl_store_put_runs(w->store, b->docs, b->n, b->outcomes);
	if (b->ret < 0)
		snprintf(b->errmsg, sizeof(b->errmsg), "%s", bl_store_errmsg(w->store));
}

static void *writer_main(void *arg)
{
	struct bld_writer *w = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct bld_batch *b;

		while (!w->open && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->open)
			break; /* stop with nothing queued */
		b = w->open;
		w->open = NULL;
		assert(b->n > 0 && b->n <= b->cap); /* bld_writer_add never leaves an empty batch */
		pthread_mutex_unlock(&w->lock);
		commit(w, b);
		pthread_mutex_lock(&w->lock);
		b->next = NULL;
		assert(!w->done_tail == !w->done_head); /* both set or both NULL */
		if (w->done_tail)
			w->done_tail->next = b;
		else
			w->done_head = b;
		w->done_tail = b;
		/* A full counter (EAGAIN) still leaves the doorbell ringing. */
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			bl_err("writer: eventfd write: %s", strerror(errno));
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* On the loop thread: hands every committed batch to the callback, in order. */
static void deliver(struct bld_writer *w)
{
	struct bld_batch *b, *next;

	pthread_mutex_lock(&w->lock);
	b = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	for (; b; b = next) {
		next = b->next;
		assert(b->n > 0 && w->pending >= b->n); /* each document was counted when added */
		w->pending -= b->n;
		w->fn(w->user, b);
		for (size_t i = 0; i < b->n; i++)
			bl_resultdoc_free(b->docs[i]);
		b->n = 0;
		b->ret = 0;
		b->errmsg[0] = '\0';
		pthread_mutex_lock(&w->lock);
		if (!w->spare) {
			w->spare = b;
			b = NULL;
		}
		pthread_mutex_unlock(&w->lock);
		batch_free(b);
	}
}

static void doorbell(evutil_socket_t fd, short what, void *arg)
{
	struct bld_writer *w = arg;
	uint64_t n;

	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		bl_err("writer: eventfd read: %s", strerror(errno));
	deliver(w);
}

int bld_writer_new(struct event_base *base, const char *db_path, bool sync_full, bld_written_fn fn,
		   void *user, struct bld_writer **out)
{
	struct bld_writer *w = calloc(1, sizeof(*w));
	char err[256];
	int ret;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->user = user;
	w->efd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	/* Checkpoints off this thread: it commits small batches often. */
	ret = bl_store_open(db_path,
			    &(struct bl_store_opts){.bg_checkpoint = true, .sync_full = sync_full},
			    &w->store, err, sizeof(err));
	if (ret < 0) {
		bl_err("writer: store %s: %s", db_path, err);
		goto fail;
	}
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		ret = -errno;
		bl_err("writer: eventfd: %s", strerror(-ret));
		goto fail;
	}
	w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST, doorbell, w);
	/* Answers first: their clients' next documents keep the writer busy. */
	if (w->ev && event_base_get_npriorities(base) > 1)
		event_priority_set(w->ev, 0);
	if (!w->ev || event_add(w->ev, NULL) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = -pthread_create(&w->thread, NULL, writer_main, w);
	if (ret) {
		bl_err("writer: pthread_create: %s", strerror(-ret));
		goto fail;
	}
	w->started = true;
	*out = w;
	return 0;
fail:
	bld_writer_free(w);
	return ret;
}

int bld_writer_add(struct bld_writer *w, struct bl_resultdoc *doc, void *item)
{
	struct bld_batch *b;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	assert(!w->stop); /* nothing is added once bld_writer_free began */
	if (!w->open) {
		w->open = w->spare ? w->spare : calloc(1, sizeof(*w->open));
		w->spare = NULL;
		if (!w->open) {
			ret = -ENOMEM;
			goto out;
		}
	}
	b = w->open;
	if (b->n == b->cap && (ret = batch_grow(b)) < 0) {
		if (!b->n) { /* do not leave an empty batch for the writer */
			w->open = NULL;
			batch_free(b);
		}
		goto out;
	}
	assert(b->n < b->cap);
	b->docs[b->n] = doc;
	b->items[b->n] = item;
	snprintf(b->run_ids[b->n], sizeof(b->run_ids[b->n]), "%s", doc->run_id);
	b->n++;
	w->pending++;
	pthread_cond_signal(&w->wake);
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

size_t bld_writer_pending(const struct bld_writer *w)
{
	return w ? w->pending : 0;
}

void bld_writer_drain(struct bld_writer *w)
{
	while (w->pending) {
		uint64_t n;

		/* The doorbell is non-blocking: poll it gently until the writer is done. */
		if (read(w->efd, &n, sizeof(n)) < 0 && errno == EAGAIN)
			usleep(500);
		deliver(w);
	}
}

void bld_writer_free(struct bld_writer *w)
{
	if (!w)
		return;
	if (w->started) {
		bld_writer_drain(w);
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		assert(!w->open && !w->done_head); /* drained: everything committed and delivered */
	}
	batch_free(w->open);
	batch_free(w->spare);
	if (w->ev)
		event_free(w->ev);
	if (w->efd >= 0)
		close(w->efd);
	bl_store_close(w->store);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
