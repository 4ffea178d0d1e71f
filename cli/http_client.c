/*
 * Blocking HTTP/1.1 over a unix socket (see http_client.h): write the
 * request, read until the server closes, then split status line, headers
 * and body. Bodies sent with "Transfer-Encoding: chunked" are decoded;
 * otherwise Content-Length (when present) bounds the body.
 */
#include "http_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "version.h"

/* Waits until @fd is ready for @events; -ETIMEDOUT after @timeout_ms. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

int bl_http_connect(const char *socket_path, int timeout_ms, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1, ret;

	*out = -1;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A unix connect does not wait for the server to accept; it fails at once or succeeds. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	(void)timeout_ms;
	*out = fd;
	return 0;
}

static int write_all(int fd, const char *p, size_t len, int timeout_ms)
{
	while (len) {
		ssize_t n;
		int ret = wait_fd(fd, POLLOUT, timeout_ms);

		if (ret)
			return ret;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Decodes a chunked body in place; -EPROTO when malformed. */
static int dechunk(char *body, size_t len, size_t *out_len)
{
	char *src = body, *dst = body, *end = body + len;

	for (;;) {
		char *eol = memmem(src, (size_t)(end - src), "\r\n", 2);
		unsigned long n;
		char *num_end;

		if (!eol)
			return -EPROTO;
		n = strtoul(src, &num_end, 16);
		if (num_end == src)
			return -EPROTO;
		src = eol + 2;
		if (!n)
			break;
		if ((size_t)(end - src) < n + 2)
			return -EPROTO;
		memmove(dst, src, n);
		dst += n;
		src += n + 2;
	}
	*dst = '\0';
	*out_len = (size_t)(dst - body);
	return 0;
}

static int parse_response(char *buf, size_t len, struct bl_http_response *resp)
{
	char *hdr_end = memmem(buf, len, "\r\n\r\n", 4), *line, *save = NULL, *body;
	size_t body_len;
	long content_length = -1;
	int chunked = 0, status;

	if (!hdr_end || sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || status < 100 || status > 999)
		return -EPROTO;
	*hdr_end = '\0';
	body = hdr_end + 4;
	body_len = len - (size_t)(body - buf);
	strtok_r(buf, "\r\n", &save); /* status line */
	while ((line = strtok_r(NULL, "\r\n", &save))) {
		if (!strncasecmp(line, "Content-Length:", 15))
			content_length = strtol(line + 15, NULL, 10);
		else if (!strncasecmp(line, "Transfer-Encoding:", 18) &&
			 strcasestr(line + 18, "chunked"))
			chunked = 1;
	}
	if (chunked) {
		if (dechunk(body, body_len, &body_len))
			return -EPROTO;
	} else if (content_length >= 0) {
		if ((size_t)content_length > body_len)
			return -EPROTO; /* cut off */
		body_len = (size_t)content_length;
	}
	resp->body = malloc(body_len + 1);
	if (!resp->body)
		return -ENOMEM;
	memcpy(resp->body, body, body_len);
	resp->body[body_len] = '\0';
	resp->body_len = body_len;
	resp->status = status;
	return 0;
}

int bl_http_request(const char *socket_path, const char *method, const char *path,
		    const char *body, size_t len, int timeout_ms, struct bl_http_response *resp)
{
	char head[512], *buf = NULL;
	size_t used = 0, cap = 0;
	int fd = -1, ret, n;

	memset(resp, 0, sizeof(*resp));
	ret = bl_http_connect(socket_path, timeout_ms, &fd);
	if (ret)
		return ret;
	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.1\r\nHost: bouncelabd\r\nConnection: close\r\n"
		     "User-Agent: bouncelab/%s\r\n%sContent-Length: %zu\r\n\r\n",
		     method, path, bl_version,
		     body ? "Content-Type: application/json\r\n" : "", body ? len : 0);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	if ((ret = write_all(fd, head, (size_t)n, timeout_ms)) ||
	    (body && (ret = write_all(fd, body, len, timeout_ms))))
		goto out;

	for (;;) {
		ssize_t got;

		if (cap - used < 4096) {
			char *p;

			cap = cap ? cap * 2 : 16384;
			if (cap > BL_HTTPC_MAX_RESPONSE + 65536) {
				ret = -E2BIG;
				goto out;
			}
			p = realloc(buf, cap);
			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		if ((ret = wait_fd(fd, POLLIN, timeout_ms)))
			goto out;
		got = recv(fd, buf + used, cap - used - 1, 0);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			goto out;
		}
		if (!got)
			break;
		used += (size_t)got;
	}
	if (!used) {
		ret = -ECONNRESET; /* closed without an answer */
		goto out;
	}
	buf[used] = '\0';
	ret = parse_response(buf, used, resp);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

void bl_http_response_free(struct bl_http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}
