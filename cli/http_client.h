/*
 * A small blocking HTTP/1.1 client over a unix stream socket, for the
 * `bouncelab` commands that talk to bouncelabd (ingest, status). One
 * request per connection ("Connection: close").
 *
 * Built on libcurl (CURLOPT_UNIX_SOCKET_PATH) rather than libevent's evhttp
 * client, which in libevent 2.1 (Debian's) connects only by host and port;
 * curl does the HTTP parsing (chunked bodies, short bodies) that a
 * hand-written client had to get right by itself.
 */
#ifndef BL_HTTP_CLIENT_H
#define BL_HTTP_CLIENT_H

#include <stddef.h>

/* The largest response body read; more is an error (-E2BIG). */
#define BL_HTTPC_MAX_RESPONSE (64u << 20)

struct bl_http_response {
	int status;	/* 200, 201, 400, ... */
	char *body;	/* NUL-terminated, malloc'd; free with bl_http_response_free() */
	size_t body_len;
};

/*
 * Connects to @socket_path. 0 and the fd in *@fd, -ENOENT/-ECONNREFUSED
 * when no daemon listens there (the callers then work without it), other
 * -errno otherwise.
 */
int bl_http_connect(const char *socket_path, int timeout_ms, int *fd);

/*
 * Sends @method @path with @body (NULL = none, else @len bytes as
 * application/json) over a new connection to @socket_path and reads the
 * answer, the whole exchange bounded by @timeout_ms (-ETIMEDOUT). 0 with
 * *@resp filled (any HTTP status), -errno when there was no complete
 * answer: the connect's errno (-ENOENT, -ECONNREFUSED: no daemon),
 * -ECONNRESET closed without an answer, -EPROTO a reply that is not HTTP
 * or is cut short, -E2BIG a body over BL_HTTPC_MAX_RESPONSE.
 */
int bl_http_request(const char *socket_path, const char *method, const char *path,
		    const char *body, size_t len, int timeout_ms, struct bl_http_response *resp);

void bl_http_response_free(struct bl_http_response *resp);

#endif
