/*
 * Tests for cli/http_client.c against a fake server: a forked child
 * listening on a unix socket in a temporary folder that answers each
 * connection with one canned reply (and writes the request it got to a
 * file, so the test can check what the client sent).
 *
 * Negative cases first: no socket, a reply that is not HTTP, a connection
 * closed without an answer, a body cut short, a server that never answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_client.h"

struct fake {
	char dir[64];
	char sock[100]; /* fits sun_path */
	char reqfile[128];
	pid_t pid;
};

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/bl-test-httpc-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/s.sock", f->dir);
	snprintf(f->reqfile, sizeof(f->reqfile), "%s/request", f->dir);
	f->pid = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/*
 * Starts the fake server: for one connection it reads the request (headers
 * and Content-Length bytes of body), stores it, sends @reply (may be NULL:
 * send nothing), then closes unless @hang (keep the connection open).
 */
static void serve(struct fake *f, const char *reply, int hang)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(lfd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		char buf[8192];
		size_t used = 0;
		int fd = accept(lfd, NULL, NULL);
		FILE *out;

		if (fd < 0)
			_exit(1);
		/* read until the end of the headers plus the announced body */
		for (;;) {
			ssize_t n = read(fd, buf + used, sizeof(buf) - 1 - used);
			char *end, *cl;

			if (n <= 0)
				break;
			used += (size_t)n;
			buf[used] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (!end)
				continue;
			cl = strstr(buf, "Content-Length: ");
			if (!cl || used >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10))
				break;
		}
		out = fopen(f->reqfile, "w");
		if (out) {
			fwrite(buf, 1, used, out);
			fclose(out);
		}
		if (reply && write(fd, reply, strlen(reply)) < 0)
			_exit(1);
		if (hang)
			pause();
		close(fd);
		_exit(0);
	}
	close(lfd);
}

static char *request_seen(struct fake *f)
{
	static char buf[8192];
	FILE *in;
	size_t n;

	waitpid(f->pid, NULL, 0);
	f->pid = -1;
	in = fopen(f->reqfile, "r");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	buf[n] = '\0';
	fclose(in);
	return buf;
}

static void test_no_socket(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	assert_int_equal(bl_http_request(f->sock, "GET", "/healthz", NULL, 0, 1000, &r), -ENOENT);
	assert_null(r.body);
}

static void test_not_http(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	serve(f, "SSH-2.0-OpenSSH_9.2\r\n", 0);
	assert_int_equal(bl_http_request(f->sock, "GET", "/healthz", NULL, 0, 2000, &r), -EPROTO);
	assert_null(r.body);
}

static void test_closed_without_answer(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	serve(f, NULL, 0);
	assert_int_equal(bl_http_request(f->sock, "GET", "/healthz", NULL, 0, 2000, &r), -ECONNRESET);
}

static void test_body_cut_short(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	serve(f, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", 0);
	assert_int_equal(bl_http_request(f->sock, "GET", "/healthz", NULL, 0, 2000, &r), -EPROTO);
}

static void test_timeout(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	serve(f, NULL, 1);
	assert_int_equal(bl_http_request(f->sock, "GET", "/healthz", NULL, 0, 200, &r), -ETIMEDOUT);
}

static void test_post_content_length(void **state)
{
	struct fake *f = *state;
	static const char body[] = "{\"format\": 1}";
	struct bl_http_response r;
	char *req;

	serve(f,
	      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 20\r\n"
	      "Connection: close\r\n\r\n{\"outcome\":\"stored\"}",
	      0);
	assert_int_equal(bl_http_request(f->sock, "POST", "/api/v1/runs", body, strlen(body), 2000,
					 &r), 0);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body_len, 20);
	assert_string_equal(r.body, "{\"outcome\":\"stored\"}");
	bl_http_response_free(&r);
	/* what the server received */
	req = request_seen(f);
	assert_non_null(strstr(req, "POST /api/v1/runs HTTP/1.1\r\n"));
	assert_non_null(strstr(req, "Content-Length: 13\r\n"));
	assert_non_null(strstr(req, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(req, "Connection: close\r\n"));
	assert_non_null(strstr(req, "\r\n\r\n{\"format\": 1}"));
}

static void test_chunked(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	serve(f,
	      "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "7\r\n{\"error\r\n"
	      "14\r\n\": \"run_id: missing\"\r\n"
	      "1\r\n}\r\n0\r\n\r\n",
	      0);
	assert_int_equal(bl_http_request(f->sock, "GET", "/x", NULL, 0, 2000, &r), 0);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "{\"error\": \"run_id: missing\"}");
	bl_http_response_free(&r);
	assert_non_null(strstr(request_seen(f), "Content-Length: 0\r\n"));
}

/* A server that closes after the body without Content-Length: body = everything. */
static void test_until_close(void **state)
{
	struct fake *f = *state;
	struct bl_http_response r;

	serve(f, "HTTP/1.0 200 OK\r\n\r\nok\n", 0);
	assert_int_equal(bl_http_request(f->sock, "GET", "/healthz", NULL, 0, 2000, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	bl_http_response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_without_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_cut_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_content_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_until_close, setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
