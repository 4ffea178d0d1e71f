/*
 * daemon_load: a load client for bouncelabd's POST /api/v1/runs, for the
 * durability test and the throughput benchmark (not a test double: it
 * talks real HTTP/1.1 to the real daemon).
 *
 *   daemon_load --socket PATH | --tcp 127.0.0.1:PORT [--token T]
 *               --template DOC.json --docs N [--clients C] [--seed S]
 *               [--ledger FILE] [--deadline SECONDS]
 *
 * Document i is the template with run_id = a UUID made from (seed, i), so
 * a rerun with the same seed resubmits the same runs. C threads share the
 * documents (i % C), each over one keep-alive connection. A document that
 * gets no answer (connection refused, reset or closed: the daemon was
 * killed) is resubmitted until it gets one or the deadline passes; the
 * ledger gets one line per document: "UUID CODE ATTEMPTS". Prints
 * "answered_201=.. answered_200=.. other=.. unanswered=.. resubmits=..
 * seconds=.. docs_per_sec=.." and exits 0 when every document was
 * answered 200 or 201.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct opts {
	const char *socket_path, *tcp, *token, *template_path, *ledger;
	long docs, clients;
	unsigned long seed;
	double deadline_s;
};

struct shared {
	const struct opts *o;
	json_t *tmpl;
	char *body;	  /* the template serialised, run_id = PLACEHOLDER */
	size_t uuid_at;	  /* offset of the placeholder in body */
	int *codes;	  /* per document: final HTTP code, 0 = none */
	int *attempts;	  /* per document */
	double t_end;	  /* deadline (monotonic seconds) */
	pthread_mutex_t lock;
	long resubmits;
};

struct worker {
	struct shared *sh;
	long index;
	pthread_t thread;
};

#define PLACEHOLDER "ffffffff-ffff-4fff-bfff-ffffffffffff"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_uuid(unsigned long seed, long i, char out[37])
{
	/* splitmix64 over (seed, i): deterministic, well spread */
	uint64_t x = (uint64_t)seed * 0x9E3779B97F4A7C15ull + (uint64_t)i + 1, h[2];

	for (int k = 0; k < 2; k++) {
		uint64_t z = (x += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		h[k] = z ^ (z >> 31);
	}
	h[0] = (h[0] & ~0xf000ull) | 0x4000ull;			  /* version 4 */
	h[1] = (h[1] & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant */
	snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64, h[0] >> 32,
		 (h[0] >> 16) & 0xffff, h[0] & 0xffff, h[1] >> 48, (uint64_t)(h[1] & UINT64_C(0xffffffffffff)));
}

static int connect_daemon(const struct opts *o)
{
	int fd;

	if (o->socket_path) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", o->socket_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		char host[64];
		const char *colon = strrchr(o->tcp, ':');
		int one = 1;

		snprintf(host, sizeof(host), "%.*s", (int)(colon - o->tcp), o->tcp);
		sa.sin_port = htons((uint16_t)atoi(colon + 1));
		inet_pton(AF_INET, host, &sa.sin_addr);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
	}
	{
		struct timeval tv = { 30, 0 }; /* a daemon that hangs is a failure, not a wait */

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one HTTP response; returns its status code, or -1 when the connection ended first. */
static int read_response(int fd, char *buf, size_t cap, bool *keep_alive)
{
	size_t have = 0;
	char *hdr_end = NULL;
	long clen = 0;
	int code;

	for (;;) {
		ssize_t r;

		if (have == cap - 1)
			return -1;
		r = recv(fd, buf + have, cap - 1 - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	{
		const char *cl = strcasestr(buf, "\r\nContent-Length:");

		if (cl && cl < hdr_end)
			clen = strtol(cl + 17, NULL, 10);
		*keep_alive = !strcasestr(buf, "\r\nConnection: close");
	}
	{
		size_t body_have = have - (size_t)(hdr_end + 4 - buf);

		while ((long)body_have < clen) {
			char tmp[4096];
			ssize_t r = recv(fd, tmp, sizeof(tmp), 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			body_have += (size_t)r;
		}
	}
	return code;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const struct opts *o = sh->o;
	char resp[65536], uuid[37], head[512];
	size_t blen = strlen(sh->body);
	char *body = malloc(blen + 1);
	int fd = -1;

	/*
	 * The document is serialised once (main); each submission patches its
	 * UUID into the placeholder's place, so the client spends its CPU on
	 * HTTP, not on JSON, and the daemon is what is measured.
	 */
	if (!body)
		return NULL;
	memcpy(body, sh->body, blen + 1);
	for (long i = w->index; i < o->docs; i += o->clients) {
		make_uuid(o->seed, i, uuid);
		memcpy(body + sh->uuid_at, uuid, 36);
		snprintf(head, sizeof(head),
			 "POST /api/v1/runs HTTP/1.1\r\nHost: bouncelabd\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n%s%s%s\r\n",
			 blen, o->token ? "Authorization: Bearer " : "", o->token ? o->token : "", o->token ? "\r\n" : "");
		for (;;) {
			bool keep = true;
			int code = -1;

			if (now_s() > sh->t_end)
				break;
			if (fd < 0)
				fd = connect_daemon(o);
			if (fd < 0) {
				usleep(20000); /* the daemon is restarting */
				continue;
			}
			sh->attempts[i]++;
			if (sh->attempts[i] > 1) {
				pthread_mutex_lock(&sh->lock);
				sh->resubmits++;
				pthread_mutex_unlock(&sh->lock);
			}
			if (write_all(fd, head, strlen(head)) == 0 && write_all(fd, body, blen) == 0)
				code = read_response(fd, resp, sizeof(resp), &keep);
			if (code < 0 || !keep) {
				close(fd);
				fd = -1;
			}
			if (code == 503) {
				usleep(10000);
				continue; /* not stored: the daemon said so; try again */
			}
			if (code > 0) {
				sh->codes[i] = code;
				break;
			}
		}
	}
	free(body);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "tcp", required_argument, NULL, 't' },
		{ "token", required_argument, NULL, 'k' },  { "template", required_argument, NULL, 'T' },
		{ "docs", required_argument, NULL, 'n' },   { "clients", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 'S' },   { "ledger", required_argument, NULL, 'l' },
		{ "deadline", required_argument, NULL, 'd' }, { NULL, 0, NULL, 0 },
	};
	struct opts o = { .docs = 1000, .clients = 8, .seed = 1, .deadline_s = 120 };
	struct shared sh = { .o = &o };
	struct worker *w;
	json_error_t jerr;
	long n201 = 0, n200 = 0, other = 0, none = 0;
	double t0, secs;
	int opt;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 's': o.socket_path = optarg; break;
		case 't': o.tcp = optarg; break;
		case 'k': o.token = optarg; break;
		case 'T': o.template_path = optarg; break;
		case 'n': o.docs = atol(optarg); break;
		case 'c': o.clients = atol(optarg); break;
		case 'S': o.seed = strtoul(optarg, NULL, 0); break;
		case 'l': o.ledger = optarg; break;
		case 'd': o.deadline_s = atof(optarg); break;
		default: return 2;
		}
	}
	if ((!o.socket_path == !o.tcp) || !o.template_path || o.docs < 1 || o.clients < 1 ||
	    (o.tcp && !strrchr(o.tcp, ':'))) {
		fprintf(stderr, "usage: daemon_load --socket PATH|--tcp HOST:PORT --template DOC --docs N [--clients C] "
				"[--seed S] [--ledger FILE] [--deadline S] [--token T]\n");
		return 2;
	}
	sh.tmpl = json_load_file(o.template_path, 0, &jerr);
	if (!json_is_object(sh.tmpl)) {
		fprintf(stderr, "daemon_load: %s: %s\n", o.template_path, jerr.text);
		return 2;
	}
	json_object_set_new(sh.tmpl, "run_id", json_string(PLACEHOLDER));
	sh.body = json_dumps(sh.tmpl, JSON_COMPACT);
	{
		char *at = sh.body ? strstr(sh.body, "\"" PLACEHOLDER "\"") : NULL;

		if (!at || strstr(at + 2 + strlen(PLACEHOLDER), PLACEHOLDER)) {
			fprintf(stderr, "daemon_load: %s: cannot place the run_id\n", o.template_path);
			return 2;
		}
		sh.uuid_at = (size_t)(at + 1 - sh.body);
	}
	sh.codes = calloc((size_t)o.docs, sizeof(int));
	sh.attempts = calloc((size_t)o.docs, sizeof(int));
	w = calloc((size_t)o.clients, sizeof(*w));
	if (!sh.codes || !sh.attempts || !w)
		return 1;
	pthread_mutex_init(&sh.lock, NULL);
	t0 = now_s();
	sh.t_end = t0 + o.deadline_s;
	for (long k = 0; k < o.clients; k++) {
		w[k].sh = &sh;
		w[k].index = k;
		pthread_create(&w[k].thread, NULL, worker_main, &w[k]);
	}
	for (long k = 0; k < o.clients; k++)
		pthread_join(w[k].thread, NULL);
	secs = now_s() - t0;
	{
		FILE *lf = o.ledger ? fopen(o.ledger, "w") : NULL;

		for (long i = 0; i < o.docs; i++) {
			char uuid[37];

			make_uuid(o.seed, i, uuid);
			if (lf)
				fprintf(lf, "%s %d %d\n", uuid, sh.codes[i], sh.attempts[i]);
			if (sh.codes[i] == 201)
				n201++;
			else if (sh.codes[i] == 200)
				n200++;
			else if (sh.codes[i] == 0)
				none++;
			else
				other++;
		}
		if (lf)
			fclose(lf);
	}
	printf("answered_201=%ld answered_200=%ld other=%ld unanswered=%ld resubmits=%ld seconds=%.3f "
	       "docs_per_sec=%.1f\n",
	       n201, n200, other, none, sh.resubmits, secs, (double)(n201 + n200) / secs);
	json_decref(sh.tmpl);
	free(sh.body);
	free(sh.codes);
	free(sh.attempts);
	free(w);
	return other || none ? 1 : 0;
}
