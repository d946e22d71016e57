#!/usr/bin/env python3
"""Smoke test of the binaries `sam build` made, walking the registry of functions: each HTTP
function's bootstrap answers its probe (one real API Gateway HTTP API, payload 2.0, event) through a
local Lambda Runtime API, with our envelope; each scheduled function answers one EventBridge event;
each queue consumer answers one SQS batch with its partial batch response.

    scripts/lambda-smoke.py [--json] [--only LogicalId] [.aws-sam/build]

For each function it starts a small Runtime API emulator on a free loopback port, runs the binary
as Lambda would (AWS_LAMBDA_RUNTIME_API and the usual variables; configuration in plain environment
variables, no SECRETS_ARN), hands it one event, waits for the answer on
/2018-06-01/runtime/invocation/{id}/response, checks status and envelope, prints the time from
process start to the answer and the binary's size (on stderr), then kills it. Exit status 1 on any
mismatch. With --json, stdout gets one JSON list of {function, passed, cold_start_ms, bytes, zipped_bytes}.

auth counts failed logins in the store, so AWS_ENDPOINT_URL_DYNAMODB must point at a
DynamoDB-protocol server (scripts/test and scripts/template-check start DynamoDB Local); the table
is created with boto3, which the SAM CLI venv has. An arm64 binary on an x86_64 host runs under
qemu-user when `qemu-aarch64` and the arm64 C library (/usr/aarch64-linux-gnu) are installed.
"""

import base64
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/2018-06-01/runtime"
ANSWER_TIMEOUT_SECS = 60
ENVELOPE_KEYS = ["ok", "type", "action", "data", "message", "meta"]
# A cost-4 bcrypt hash of a password nobody sends: the smoke only tries wrong credentials.
DUMMY_HASH = "$2b$04$abcdefghijklmnopqrstuu5Ph6jV0KM/eMFY0ZF6Hbq4Yk5vmNVGy"

# What a scheduled function answers when the smoke runs it, by template resource (the registry says
# which functions are scheduled). The directory refresher finds the refresh lease already held (the
# smoke puts it in the table) and answers that it left the walk to its holder, so WispHub is never asked.
SCHEDULED = {"DirectoryRefreshFunction": {"published": None, "reason": "another refresh holds the lease"}}
# What a queue consumer answers one SQS batch with, by template resource, and the settings it runs with
# here. The webhook delivery posts to the discard port, which refuses: its one message is a failure
# (it would come back with backoff; no queue URL here, so nothing asks SQS).
QUEUE = {"WebhookDeliveryFunction": {"batchItemFailures": [{"itemIdentifier": "smoke-message-1"}]}}
QUEUE_ENV = {"WEBHOOK_URL": "http://127.0.0.1:9/hooks/wisphub", "WEBHOOK_SECRET": "whsec_c21va2Utc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY="}
# The MCP door, beyond its probe: an agent with an API key initializes and lists its tools (JSON-RPC
# answers, not the envelope). The key's digest is in the function's API_KEYS.
MCP = "McpFunction"
MCP_KEY = "whk_smoke0123456789abcdef0123456789abcdef0123456789abcdef01234567"
MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream",
               "x-api-key": MCP_KEY}
MCP_EXCHANGES = [
    ("initialize", {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "smoke", "version": "1"}},
     lambda result: result.get("serverInfo", {}).get("name") == "wisphub-api"),
    ("tools/list", {}, lambda result: "find_client" in {tool["name"] for tool in result.get("tools", [])}),
]


def registry():
    """The registry of functions (registry/src/lib.rs), as `wisphub-local functions` prints it:
    logical id -> (method, path, form body, status, expected action, WWW-Authenticate?) for HTTP
    functions, None for scheduled ones and queue consumers."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    printed = subprocess.run(["cargo", "run", "--quiet", "--locked", "-p", "wisphub-local", "--", "functions"],
                             cwd=root, check=True, capture_output=True, text=True).stdout
    cases = {}
    for function in json.loads(printed)["functions"]:
        probe = function.get("probe")
        cases[function["logical_id"]] = None if function["kind"] in ("scheduled", "queue") else (
            probe["method"], probe["path"], probe["form"], probe["status"], probe["action"], probe["challenge"])
    return cases


def http_api_event(method, path, body, request_id, extra_headers=None):
    headers = {"host": "smoke.execute-api.us-east-1.amazonaws.com", "user-agent": "lambda-smoke",
               "accept": "application/json", "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https"}
    if body is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
    headers.update(extra_headers or {})
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "smoke", "domainName": headers["host"], "domainPrefix": "smoke",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9",
                     "userAgent": "lambda-smoke"},
            "requestId": request_id, "routeKey": f"{method} {path}", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }


def queue_event(request_id):
    """An SQS batch of one message holding one event, as the event source hands it to Lambda."""
    event = {"id": "000000000001-0000", "type": "service.suspended", "occurred_at": "2026-11-26T15:05:00Z",
             "data": {"service_id": 1001}}
    body = json.dumps(event)
    return {"Records": [{
        "messageId": "smoke-message-1", "receiptHandle": f"smoke-receipt-{request_id}", "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000)),
                       "SenderId": "AROAEXAMPLE", "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {}, "md5OfBody": hashlib.md5(body.encode()).hexdigest(), "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:smoke-webhooks", "awsRegion": "us-east-1"}]}


def scheduled_event(request_id):
    now = time.gmtime()
    return {
        "version": "0", "id": request_id, "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", now), "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/smoke-directory-refresh"], "detail": {},
    }


class RuntimeApi(ThreadingHTTPServer):
    """The Runtime API for one invocation: /next hands out the event once, then holds the caller."""

    daemon_threads = True

    def __init__(self, event):
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.event = json.dumps(event).encode()
        self.invocation_id = str(uuid.uuid4())
        self.handed_out = False
        self.lock = threading.Lock()
        self.answered = threading.Event()
        self.answer = None  # (kind, body bytes, monotonic time)


class RuntimeHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        if self.path != f"{API}/invocation/next":
            return self.reply(404, b'{"errorType":"NotFound"}')
        with server.lock:
            first = not server.handed_out
            server.handed_out = True
        if not first:
            server.answered.wait(ANSWER_TIMEOUT_SECS)  # the binary is killed after its answer
            return self.reply(503, b"{}")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(server.event)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", server.invocation_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 15_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:smoke")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
        self.end_headers()
        self.wfile.write(server.event)

    def do_POST(self):
        server = self.server
        body = self.read_body()
        invocation = f"{API}/invocation/{server.invocation_id}"
        kinds = {f"{invocation}/response": "response", f"{invocation}/error": "error", f"{API}/init/error": "init error"}
        if self.path not in kinds:
            return self.reply(404, b'{"errorType":"NotFound"}')
        server.answer = (kinds[self.path], body, time.monotonic())
        self.reply(202, b'{"status":"OK"}')
        server.answered.set()

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def launcher(binary):
    """How to run the binary here: directly, or under qemu-user for arm64 on an x86_64 host."""
    with open(binary, "rb") as f:
        machine = int.from_bytes(f.read(20)[18:20], "little")
    arch = {0x3E: "x86_64", 0xB7: "aarch64"}.get(machine, hex(machine))
    host = platform.machine()
    if arch == host or (arch == "aarch64" and host == "arm64"):
        return arch, [binary]
    qemu = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
    if arch == "aarch64" and qemu and os.path.isdir("/usr/aarch64-linux-gnu"):
        return f"{arch}, emulated", [qemu, "-L", "/usr/aarch64-linux-gnu", binary]
    sys.exit(f"lambda-smoke: cannot run a {arch} binary on {host} (install qemu-user and libc6-arm64-cross)")


def create_table():
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if not endpoint:
        sys.exit("lambda-smoke: AWS_ENDPOINT_URL_DYNAMODB is not set (start scripts/dynamodb-local first)")
    import boto3  # the SAM CLI venv has it

    name = f"smoke-{uuid.uuid4().hex[:12]}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    client.get_waiter("table_exists").wait(TableName=name)
    # The directory refresh lease, held by someone else for ten minutes (shared/src/store/keys).
    client.put_item(TableName=name, Item={"pk": {"S": "DIRLEASE"}, "sk": {"S": "#"}, "value": {"S": "smoke"},
                                          "version": {"N": "1"}, "expires_at": {"N": str(int(time.time()) + 600)}})
    return name, endpoint


def function_env(name, port, table, endpoint):
    return {
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": f"smoke-{name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/smoke-{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]smoke",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "_HANDLER": "bootstrap",
        "RUST_LOG": "info",
        "JWT_SECRET": "smoke-test-secret-0123456789abcdef-0123",
        "WISPHUB_API_KEY": "smoke.0123456789abcdef0123456789abcdef",
        "WISPHUB_API_URL": "http://127.0.0.1:9",  # the discard port: nothing should call WispHub here
        "TABLE_NAME": table,
        "API_USERNAME": "admin",
        "API_PASSWORD_HASH": DUMMY_HASH,
        "API_KEYS": json.dumps([{"name": "smoke-agent", "sha256": hashlib.sha256(MCP_KEY.encode()).hexdigest(),
                                 "scopes": ["clients:read", "tickets:read", "plans:read"]}]),
    }


def http_answer(answer):
    """(response, lower-cased headers, body text, JSON body) of an HTTP API answer, or a problem line."""
    kind, raw, _ = answer
    if kind != "response":
        return f"the runtime reported an {kind}: {raw[:300]!r}"
    try:
        response = json.loads(raw)
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        body = response.get("body") or ""
        if response.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        return response, headers, body, json.loads(body)
    except (ValueError, AttributeError) as e:
        return f"not an HTTP API response with a JSON body ({e}): {raw[:300]!r}"


def check(answer, event, case):
    """Problems with the binary's answer, as readable lines (none when it is right)."""
    method, path, _, status, action, www_authenticate = case
    decoded = http_answer(answer)
    if isinstance(decoded, str):
        return [decoded]
    response, headers, body, envelope = decoded
    problems = []
    if response.get("statusCode") != status:
        problems.append(f"status {response.get('statusCode')}, expected {status}")
    if not isinstance(envelope, dict) or sorted(envelope) != sorted(ENVELOPE_KEYS):
        problems.append(f"body is not the envelope: {body[:300]}")
    elif envelope["ok"] != (status < 400) or (action and envelope["action"] != action):
        problems.append(f"unexpected envelope for {method} {path}: {body[:300]}")
    if www_authenticate and not headers.get("www-authenticate", "").lower().startswith("bearer"):
        problems.append(f"no WWW-Authenticate: Bearer header: {headers}")
    if headers.get("x-request-id") != event["requestContext"]["requestId"]:
        problems.append(f"x-request-id {headers.get('x-request-id')!r} is not API Gateway's request id")
    return problems


def check_jsonrpc(answer, exchange):
    """An MCP answer: 200 and a JSON-RPC result the exchange accepts."""
    decoded = http_answer(answer)
    if isinstance(decoded, str):
        return [decoded]
    response, _, body, message = decoded
    method, _, accepts = exchange
    if response.get("statusCode") != 200 or not accepts(message.get("result") or {}):
        return [f"{method}: status {response.get('statusCode')}, {body[:300]}"]
    return []


def check_scheduled(name, answer):
    kind, raw, _ = answer
    if kind != "response":
        return [f"the runtime reported an {kind}: {raw[:300]!r}"]
    try:
        result = json.loads(raw)
    except ValueError as e:
        return [f"not a JSON result ({e}): {raw[:300]!r}"]
    expected = QUEUE[name] if name in QUEUE else SCHEDULED[name]
    return [] if result == expected else [f"result {result}, expected {expected}"]


def smoke(name, case, binary, table, endpoint, exchange=None):
    request_id = f"smoke-{uuid.uuid4().hex[:16]}"
    if exchange is not None:
        method, path = "POST", f"/mcp ({exchange[0]})"
        message = json.dumps({"jsonrpc": "2.0", "id": 1, "method": exchange[0], "params": exchange[1]})
        event = http_api_event("POST", "/mcp", message, request_id, MCP_HEADERS)
    elif case is None and name in QUEUE:
        method, path = "EVENT", "SQS batch"
        event = queue_event(request_id)
    elif case is None:
        method, path = "EVENT", "scheduled event"
        event = scheduled_event(request_id)
    else:
        method, path, body = case[:3]
        event = http_api_event(method, path, body, request_id)
    arch, command = launcher(binary)
    server = RuntimeApi(event)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log = tempfile.TemporaryFile()
    started = time.monotonic()
    env = {**function_env(name, server.server_address[1], table, endpoint), **(QUEUE_ENV if name in QUEUE else {})}
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        answered = server.answered.wait(ANSWER_TIMEOUT_SECS)
        time.sleep(0.2)  # let it finish its log lines, shown when the answer is wrong
        exited = process.poll()
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server.shutdown()
        server.server_close()
    if not answered:
        problems = [f"no answer within {ANSWER_TIMEOUT_SECS} s" + (f" (exited with {exited})" if exited is not None else "")]
    elif exchange is not None:
        problems = check_jsonrpc(server.answer, exchange)
    elif case is None:
        problems = check_scheduled(name, server.answer)
    else:
        problems = check(server.answer, event, case)

    data = open(binary, "rb").read()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bootstrap", data)
    cold_ms = (server.answer[2] - started) * 1000 if answered else float("nan")
    answered_ok = answered and server.answer[0] == "response"
    status = json.loads(server.answer[1]).get("statusCode", "ok") if answered_ok else "-"
    say(f"{name:22} {arch:18} {method} {path:48} -> {status}  answer after {cold_ms:7.1f} ms  "
        f"binary {len(data) / 2**20:5.1f} MiB  zipped {len(zipped.getvalue()) / 2**20:5.1f} MiB")
    if problems:
        log.seek(0)
        output = log.read().decode(errors="replace")[-2000:]
        for problem in problems:
            say(f"  FAIL {name}: {problem}")
        say("  --- its output ---\n  " + output.replace("\n", "\n  "))
    label = name if exchange is None else f"{name} ({exchange[0]})"
    return {"function": label, "passed": not problems, "cold_start_ms": cold_ms, "bytes": len(data),
            "zipped_bytes": len(zipped.getvalue())}


def say(line):
    # Progress goes to stderr so that stdout carries only the --json result.
    print(line, file=sys.stderr, flush=True)


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    only = args[args.index("--only") + 1] if "--only" in args else None  # one function (the bench's)
    args = [a for i, a in enumerate(args) if a not in ("--json", "--only") and (i == 0 or args[i - 1] != "--only")]
    build_dir = args[0] if args else ".aws-sam/build"
    built = sorted(d for d in os.listdir(build_dir) if os.path.isfile(os.path.join(build_dir, d, "bootstrap")))
    cases = registry()
    if only is not None:
        cases = {name: case for name, case in cases.items() if name == only}
        built = [name for name in built if name == only]
    if sorted(cases) != built:
        sys.exit(f"lambda-smoke: built functions {built} are not the registry's {sorted(cases)}")
    unknown = [name for name, case in cases.items() if case is None and name not in SCHEDULED and name not in QUEUE]
    if unknown:
        sys.exit(f"lambda-smoke: no expected answer for the functions {unknown} (add them to SCHEDULED or QUEUE)")
    table, endpoint = create_table()
    results = [smoke(name, cases[name], os.path.join(build_dir, name, "bootstrap"), table, endpoint) for name in built]
    if MCP in built:
        results += [smoke(MCP, None, os.path.join(build_dir, MCP, "bootstrap"), table, endpoint, exchange)
                    for exchange in MCP_EXCHANGES]
    passed = sum(result["passed"] for result in results)
    say(f"lambda-smoke: {passed} passed, {len(results) - passed} failed")
    if as_json:
        print(json.dumps(results))
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
