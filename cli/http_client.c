/*
 * HTTP/1.1 over a unix socket (see http_client.h) with libcurl
 * (CURLOPT_UNIX_SOCKET_PATH): curl parses the status line and headers,
 * decodes chunked bodies and checks Content-Length; this file only sets
 * the request up, collects the body and turns curl's result into -errno.
 */
#include "http_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>

#include "version.h"

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

/* The body so far, bounded by BL_HTTPC_MAX_RESPONSE. */
struct body {
	char *p;
	size_t len;
	bool too_big;
};

/* libcurl's write callback: returning less than given aborts the transfer. */
static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	struct body *b = user;
	size_t add = size * n;
	char *grown;

	if (b->len + add > BL_HTTPC_MAX_RESPONSE) {
		b->too_big = true;
		return 0;
	}
	grown = realloc(b->p, b->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, data, add);
	b->p = grown;
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

/* libcurl's result as the -errno this header promises. */
static int curl_errno(CURL *c, CURLcode rc, const struct body *b)
{
	long os_errno = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		/* the connect(2) errno: ENOENT (no socket) and ECONNREFUSED mean no daemon */
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		return os_errno ? -(int)os_errno : -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
	case CURLE_GOT_NOTHING: return -ECONNRESET;	     /* closed without an answer */
	case CURLE_WEIRD_SERVER_REPLY:			     /* not HTTP */
	case CURLE_PARTIAL_FILE:			     /* body shorter than announced */
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_UNSUPPORTED_PROTOCOL: return -EPROTO;
	case CURLE_WRITE_ERROR: return b->too_big ? -E2BIG : -ENOMEM;
	case CURLE_OUT_OF_MEMORY: return -ENOMEM;
	default: return -EIO;
	}
}

int bl_http_request(const char *socket_path, const char *method, const char *path,
		    const char *body, size_t len, int timeout_ms, struct bl_http_response *resp)
{
	char url[512], agent[128], length[64];
	struct curl_slist *headers = NULL, *h;
	struct body b = { 0 };
	CURL *c = NULL;
	CURLcode rc;
	long status = 0;
	int ret;

	memset(resp, 0, sizeof(*resp));
	if (strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	if ((size_t)snprintf(url, sizeof(url), "http://bouncelabd%s", path) >= sizeof(url))
		return -ENAMETOOLONG;
	snprintf(agent, sizeof(agent), "bouncelab/%s", bl_version);
	/* the daemon answers one request per connection; a body is always sized */
	snprintf(length, sizeof(length), "Content-Length: %zu", body ? len : 0);
	if (!(c = curl_easy_init()) || !(h = curl_slist_append(NULL, "Connection: close"))) {
		ret = -ENOMEM;
		goto out;
	}
	headers = h;
	if (!(h = curl_slist_append(headers, length)) ||
	    (body && !(h = curl_slist_append(headers, "Content-Type: application/json"))) ||
	    !(h = curl_slist_append(headers, "Expect:"))) { /* no 100-continue round trip */
		ret = -ENOMEM;
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_USERAGENT, agent);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in a CLI's process */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		ret = curl_errno(c, rc, &b);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (!b.p && !(b.p = calloc(1, 1))) {
		ret = -ENOMEM;
		goto out;
	}
	resp->status = (int)status;
	resp->body = b.p;
	resp->body_len = b.len;
	b.p = NULL;
	ret = 0;
out:
	free(b.p);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return ret;
}

void bl_http_response_free(struct bl_http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}
