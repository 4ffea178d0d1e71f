#!/usr/bin/env bash
# Bad input against bouncelabd (issue 5 acceptance): each case gets its
# 4xx (or the connection is cut off) and the daemon keeps serving, checked
# with GET /healthz after every case. Negative cases first, one per row.
. "$(dirname "$0")/daemon_common.bash"
need_built "$BUILD/bouncelabd" "$BUILD/tools/daemon_idle"
command -v jq >/dev/null || { echo "jq missing"; exit 77; }

TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/token"
chmod 600 "$T/token"
cat >"$T/bouncelabd.ini" <<INI
[daemon]
timeout = 2s
max_connections = 200
max_body = 1M
[monitor]
enabled = false
INI

PORT=""
for try in 1 2 3; do
	PORT=$((20000 + RANDOM % 30000))
	if "$BUILD/bouncelabd" --foreground --db "$DB" --socket "$SOCK" --config "$T/bouncelabd.ini" \
		--listen 127.0.0.1:$PORT --token-file "$T/token" >>"$T/daemon.log" 2>&1 &
	then DPID=$!; fi
	for i in $(seq 1 100); do healthz_ok && break; kill -0 $DPID 2>/dev/null || break; sleep 0.05; done
	healthz_ok && break
	kill -KILL $DPID 2>/dev/null; wait $DPID 2>/dev/null; DPID=""
done
[ -n "$DPID" ] || fail "bouncelabd did not start"

n=0
expect() { # name, wanted code(s) as a regex, got
	n=$((n + 1))
	if [[ "$3" =~ ^($2)$ ]]; then
		printf 'ok %2d  %-46s %s\n' $n "$1" "$3"
	else
		fail "$1: expected $2, got $3 ($(head -c 300 "$T/last_body" 2>/dev/null))"
	fi
	healthz_ok || fail "$1: /healthz no longer answers"
}
body_says() { # name, text the error body must contain
	grep -q -- "$2" "$T/last_body" || fail "$1: the answer does not name '$2': $(head -c 300 "$T/last_body")"
}

# A valid document to damage.
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"' "$FIXTURE" >"$T/good.json"
head -c 1000 "$T/good.json" >"$T/truncated.json"
jq -c '.results[0].size = "big"' "$T/good.json" >"$T/wrong-type.json"
jq -c '.format = "1"' "$T/good.json" >"$T/wrong-format.json"
jq -c 'del(.run_id)' "$T/good.json" >"$T/no-run-id.json"
jq -c '.run_id = "not-a-uuid"' "$T/good.json" >"$T/bad-run-id.json"
head -c 100M /dev/zero >"$T/100M.bin"
# Over 64 KiB: parsed on the parse pool rather than the event loop (daemon_http.c PARSE_INLINE_MAX).
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-bbbbbbbbbbbb" | .padding = ("p" * 200000)' "$FIXTURE" >"$T/large-good.json"
[ "$(stat -c %s "$T/large-good.json")" -gt 200000 ] || fail "could not make the 200 KB document"
jq -c '.results[1].ops = "many"' "$T/large-good.json" >"$T/large-wrong-type.json"

post() { # file [extra curl args...]
	local f=$1; shift
	http_code -X POST -H 'Content-Type: application/json' --data-binary @"$f" "$@" /api/v1/runs
}

# --- documents (unix socket) ---
expect "truncated JSON"                        400 "$(post "$T/truncated.json")"
body_says "truncated JSON" "line"
expect "wrong type: results[0].size string"    400 "$(post "$T/wrong-type.json")"
body_says "wrong type" "results\[0\].size"
expect "wrong type: format string"             400 "$(post "$T/wrong-format.json")"
body_says "wrong format" "format"
expect "missing run_id"                        400 "$(post "$T/no-run-id.json")"
body_says "missing run_id" "run_id"
expect "run_id not a UUID"                     400 "$(post "$T/bad-run-id.json")"
body_says "bad run_id" "run_id"
expect "empty body"                            400 "$(http_code -X POST /api/v1/runs)"
expect "not JSON at all"                       400 "$(http_code -X POST --data-binary 'hello' /api/v1/runs)"
expect "JSON array instead of object"          400 "$(http_code -X POST --data-binary '[1,2]' /api/v1/runs)"
expect "200 KB document, wrong type (pool)"    400 "$(post "$T/large-wrong-type.json")"
body_says "large wrong type" "results\[1\].ops"
expect "200 KB valid document (pool)"          201 "$(post "$T/large-good.json")"
expect "GET the 200 KB run"                    200 "$(http_code /api/v1/runs/aaaaaaaa-bbbb-4ccc-8ddd-bbbbbbbbbbbb)"
cmp -s <(jq -S . "$T/last_body") <(jq -S . "$T/large-good.json") || fail "GET large run: the stored document differs from the posted one"
# 100 MB: 413 from the declared length, or the connection is cut (curl says 000)
expect "100 MB body (Content-Length)"          "413|000" "$(post "$T/100M.bin")"
expect "100 MB body (chunked)"                 "413|400|000" "$(post "$T/100M.bin" -H 'Transfer-Encoding: chunked')"
expect "header block over max_headers"         "400|413|431|000" "$(http_code -H "X-Junk: $(head -c 40000 /dev/zero | tr '\0' a)" /healthz)"

# --- paths and methods ---
expect "path with .."                          400 "$(http_code --path-as-is /api/v1/../../etc/passwd)"
expect "path with encoded %2e%2e"              400 "$(http_code --path-as-is /api/v1/runs/%2e%2e/x)"
expect "path with ./"                          400 "$(http_code --path-as-is /api/v1/./runs)"
expect "unknown route"                         404 "$(http_code /nope)"
expect "GET run: not a UUID"                   400 "$(http_code /api/v1/runs/xyz)"
expect "GET run: unknown UUID"                 404 "$(http_code /api/v1/runs/aaaaaaaa-bbbb-4ccc-8ddd-000000000000)"
# An unsupported method is the client's mistake (405 with Allow), not a server fault (501).
expect "DELETE (method not allowed)"           405 "$(http_code -D "$T/last_headers" -X DELETE /api/v1/runs)"
grep -qi '^Allow: GET, HEAD, POST' "$T/last_headers" || fail "DELETE: no 'Allow: GET, HEAD, POST' header"
expect "PUT on a run"                          405 "$(http_code -D "$T/last_headers" -X PUT --data-binary @"$T/good.json" /api/v1/runs/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee)"
grep -qi '^Allow: GET, HEAD' "$T/last_headers" || fail "PUT on a run: no 'Allow: GET, HEAD' header"
expect "PATCH /metrics"                        405 "$(http_code -X PATCH --data-binary x /metrics)"
expect "DELETE on an unknown path"             404 "$(http_code -X DELETE /nope)"

# --- framing: a request evhttp would read one way and a proxy another ---
raw() { # bytes (backslash escapes) [file sent after them]: the answer's status code (unix socket)
	python3 - "$SOCK" "$1" "${2:-}" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
if sys.argv[3]:
    s.sendall(open(sys.argv[3], "rb").read())
data = b""
try:
    while b"\r\n" not in data:
        more = s.recv(4096)
        if not more:
            break
        data += more
except OSError:
    pass
print(data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "000")
PY
}
# A valid document whose length is given twice: which one a proxy reads is anyone's guess.
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-dddddddddddd"' "$FIXTURE" >"$T/twice.json"
len=$(stat -c %s "$T/twice.json")
expect "Content-Length twice, different"       400 "$(raw "POST /api/v1/runs HTTP/1.1\\r\\nContent-Length: $len\\r\\nContent-Length: $((len + 1))\\r\\n\\r\\n" "$T/twice.json")"
expect "corrupt chunk size"                    400 "$(raw 'POST /api/v1/runs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')"
expect "chunk size with junk after it"         400 "$(raw 'POST /api/v1/runs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n')"
expect "chunk size line never ending"          400 "$(raw "POST /api/v1/runs HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n$(head -c 100 /dev/zero | tr '\0' 1)")"
jq -c '.run_id = "aaaaaaaa-bbbb-4ccc-8ddd-cccccccccccc"' "$FIXTURE" >"$T/chunked.json"
expect "a valid chunked document"              201 "$(post "$T/chunked.json" -H 'Transfer-Encoding: chunked')"
expect "unknown filter"                        400 "$(http_code '/api/v1/runs?colour=red')"
body_says "unknown filter" "colour"
expect "bad since"                             400 "$(http_code '/api/v1/runs?since=yesterday')"
expect "bad limit"                             400 "$(http_code '/api/v1/runs?limit=-5')"
body_says "bad limit" "limit"
# The query is a selector (the CLI's keys and values): refusals name the key.
expect "filter: mode not a DMA mode"           400 "$(http_code '/api/v1/runs?mode=forc')"
body_says "bad mode" "mode"
expect "filter: run_id not a UUID"             400 "$(http_code '/api/v1/runs?run_id=xyz')"
body_says "bad run_id filter" "run_id"
expect "filter: a comma smuggling a key"       400 "$(http_code '/api/v1/runs?kernel=6.1,mode=force')"
body_says "comma in a value" "kernel"
expect "filter: a key twice"                   400 "$(http_code '/api/v1/runs?status=ok&status=failed')"
body_says "key twice" "status"
expect "filter: limit above the cap"           400 "$(http_code '/api/v1/runs?limit=100001')"
expect "filter: bad order"                     400 "$(http_code '/api/v1/runs?order=sideways')"
expect "filter: the selector's own keys"       200 "$(http_code '/api/v1/runs?mode=force&last=3&order=oldest')"
expect "monitor: unknown parameter"            400 "$(http_code '/api/v1/monitor?colour=red')"
expect "monitor: bad until"                    400 "$(http_code '/api/v1/monitor?until=soon')"
expect "monitor: POST"                         405 "$(http_code -X POST --data-binary x /api/v1/monitor)"
expect "monitor: samples of a device"          200 "$(http_code '/api/v1/monitor?device=vgem&limit=10')"

# --- TCP: writes need the token; a token wrong by one byte is refused ---
tcp() { # curl args... PATH
	local path=${!#}
	curl -s -o "$T/last_body" -w '%{http_code}' --max-time 20 "${@:1:$#-1}" "http://127.0.0.1:$PORT$path"
}
WRONG=${TOKEN%?}$(printf '%s' "${TOKEN: -1}" | tr 'f' 'e')
expect "TCP POST without a token"              401 "$(tcp -X POST --data-binary @"$T/good.json" /api/v1/runs)"
expect "TCP POST token wrong by one byte"      401 "$(tcp -X POST -H "Authorization: Bearer $WRONG" --data-binary @"$T/good.json" /api/v1/runs)"
expect "TCP POST token one byte short"         401 "$(tcp -X POST -H "Authorization: Bearer ${TOKEN%?}" --data-binary @"$T/good.json" /api/v1/runs)"
expect "TCP POST Basic auth"                   401 "$(tcp -X POST -u "x:$TOKEN" --data-binary @"$T/good.json" /api/v1/runs)"
expect "TCP GET /healthz without a token"      200 "$(tcp /healthz)"
expect "TCP POST with the token"               201 "$(tcp -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$T/good.json" /api/v1/runs)"
expect "TCP POST the same run again"           200 "$(tcp -X POST -H "Authorization: Bearer $TOKEN" --data-binary @"$T/good.json" /api/v1/runs)"
expect "GET the stored run"                    200 "$(http_code /api/v1/runs/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee)"
cmp -s <(jq -S . "$T/last_body") <(jq -S . "$T/good.json") || fail "GET run: the stored document differs from the posted one"

# --- 1,000 idle connections against max_connections 200: the oldest idle ones
# are closed to make room, /healthz is answered meanwhile, none stays open ---
out=$("$BUILD/tools/daemon_idle" --socket "$SOCK" --conns 1000 --wait 12) || fail "idle connections: $out"
echo "   idle: $out"
expect "1,000 idle connections"                200 "$(http_code /healthz)"
grep -q "max_connections" "$T/daemon.log" || fail "idle connections: the connection limit (200) never engaged"
# The flood must not lock others out: /healthz was answered while it held, before the idle timeout.
hz_ms=$(echo "$out" | sed -n 's/.*healthz_ms=\([0-9]*\).*/\1/p')
[ "${hz_ms:-99999}" -lt 2000 ] || fail "idle connections: /healthz took ${hz_ms} ms during the flood (limit 2000)"

# Nothing the bad cases sent was stored: exactly the three good runs.
expect "list runs"                             200 "$(http_code /api/v1/runs)"
[ "$(jq .count "$T/last_body")" = 3 ] || fail "expected exactly 3 stored runs, got $(jq .count "$T/last_body")"
stop_daemon
echo "bad input: ok ($n cases)"
