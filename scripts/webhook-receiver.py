"""An outage told before anyone calls, checked by a Standard Webhooks verifier we did not write.

    scripts/webhook-check   (installs `standardwebhooks` from PyPI, builds, then runs this with the binaries' folder)

Starts a webhook receiver (this script; every delivery verified by `standardwebhooks.Webhook.verify`
from PyPI), wisphub-sandbox (default mode) and wisphub-local with WEBHOOK_URL, WEBHOOK_SECRET, a
refresh every 3 s and a 1 s first retry, then as an n8n flow with one API key (events:read,
clients:list):
- the first snapshot tells nothing (the feed is empty);
- a sector fault raised in the sandbox is, within one refresh, an `outage.raised` in the feed;
- its webhook arrives signed; the receiver answers 500 once, the same `webhook-id` comes again after
  the first retry's wait and is accepted, both signatures valid, the body exactly the feed's event;
- a tampered body fails the same verifier; the payload holds ids and counts, no names or phones;
- the customers behind the sector are one call away.
Loopback only, every wait bounded. Last line: `webhook-check: N passed, M failed`; exit 1 on any failure.
"""

import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

BIN = sys.argv[1]
SANDBOX_KEY = "sandbox0.sandboxkey0000000000000000000000"  # wisphub-sandbox's DEFAULT_API_KEY
SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
REFRESH_MINUTES = "0.05"  # 3 s: one refresh is a short wait here
FIRST_RETRY_MS = 1000
SECTOR = 1  # Sectorial Norte 120°, zone 1 (services 1001, 1003, 1007 and generated ones), quiet at start
checks = []


def check(name, passed, detail=""):
    checks.append((name, bool(passed), detail))
    print(f"webhook-check: {'ok  ' if passed else 'FAIL'} {name}" + ("" if passed else f": {detail}"), file=sys.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, method, path, headers=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={**({"content-type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_until(what, probe, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise RuntimeError(f"waited {seconds} s for {what}")


class Receiver(ThreadingHTTPServer):
    """The tenant's webhook endpoint: verifies each delivery, answers 500 to the first try of the
    first outage.raised, 204 otherwise, and keeps what it saw."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.verifier = Webhook(SECRET)
        self.deliveries = []  # (time, headers, body bytes, verified, status answered)
        self.refused = set()
        self.lock = threading.Lock()


class ReceiverHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        server = self.server
        try:
            event = server.verifier.verify(body, headers)
            verified = True
        except WebhookVerificationError:
            event, verified = None, False
        with server.lock:
            first_try = (verified and event.get("type") == "outage.raised"
                         and headers["webhook-id"] not in server.refused and not server.refused)
            if first_try:
                server.refused.add(headers["webhook-id"])
            status = 500 if first_try else (204 if verified else 401)
            server.deliveries.append((time.monotonic(), headers, body, verified, status))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def answers(process, port, path):
    """Whether the process listens on `port` yet (it must still be running)."""
    if process.poll() is not None:
        raise RuntimeError(f"{path}: the process exited with {process.returncode}")
    try:
        return http(port, "GET", path)[0] == 200
    except OSError:
        return False


def key_entry(name, scopes):
    key = "whk_" + secrets.token_hex(32)
    return key, {"name": name, "sha256": hashlib.sha256(key.encode()).hexdigest(), "scopes": scopes}


def flow(api, sandbox, receiver, key):
    """An n8n flow: Webhook trigger → outage.raised → GET customers → broadcast."""
    header = {"X-API-Key": key}
    wait_until("the first snapshot", lambda: http(api, "GET", "/api/v1/outages/sector/3/customers", header)[0] == 200, 60)
    status, first = http(api, "GET", "/api/v1/events", header)
    check("the first snapshot tells nothing", status == 200 and first["action"] == "no_new_events" and first["data"] == [], first)

    raised_at = time.monotonic()
    status, _ = http(sandbox, "POST", "/_sandbox/general-faults", body={"device": "sectorial", "id": SECTOR,
                                                                         "description": "Viento fuerte en la torre norte"})
    check("the sandbox raises the sector fault", status == 204, status)

    def raised():
        page = http(api, "GET", "/api/v1/events", header)[1]
        found = [e for e in page.get("data") or [] if e["type"] == "outage.raised" and e["data"]["device_id"] == SECTOR]
        return found and (found, page)

    found, page = wait_until("outage.raised in the feed", raised, 30)
    seen_after = time.monotonic() - raised_at
    event = found[0]
    check("within one refresh the feed holds one outage.raised for the sector",
          len(found) == 1 and event["data"]["scope"] == "sector" and seen_after < 2 * float(REFRESH_MINUTES) * 60 + 5,
          (seen_after, page))
    check("the event holds ids and counts only", set(event["data"]) == {"scope", "device_id", "device_name",
                                                                       "description", "affected_services"}
          and event["data"]["affected_services"] > 0, event)

    def delivered():
        with receiver.lock:
            tries = [d for d in receiver.deliveries if d[1].get("webhook-id") == event["id"]]
        return len(tries) >= 2 and tries

    tries = wait_until("the webhook and its retry", delivered, 30)
    (t1, h1, b1, v1, s1), (t2, h2, b2, v2, s2) = tries[:2]
    check("the webhook is signed and the PyPI verifier accepts it", v1 and v2, (h1, h2))
    check("the receiver's 500 brings the same event id again after the first retry's wait, then it is accepted",
          (s1, s2) == (500, 204) and len(tries) == 2 and t2 - t1 >= FIRST_RETRY_MS / 1000 * 0.9, [(d[0], d[4]) for d in tries])
    check("the body is exactly the feed's event", json.loads(b1) == event == json.loads(b2), (b1, event))
    check("the signature headers are the Standard Webhooks ones",
          h1["webhook-signature"].startswith("v1,") and h1["webhook-timestamp"].isdigit() and h1["content-type"] == "application/json", h1)
    try:
        receiver.verifier.verify(b2.replace(b"sector", b"router"), h2)
        check("a tampered body fails the verifier", False, "verified")
    except WebhookVerificationError:
        check("a tampered body fails the verifier", True)

    status, customers = http(api, "GET", f"/api/v1/outages/sector/{SECTOR}/customers", header)
    ids = [c["service_id"] for c in customers.get("data") or []]
    check("the customers behind the sector are one call away",
          status == 200 and customers["action"] == "outage_customers_listed" and 1001 in ids
          and len(ids) == event["data"]["affected_services"] and all(c.get("phone") is not None for c in customers["data"][:3]),
          customers)
    text = b1.decode().lower()
    personal = [value.lower() for c in customers.get("data") or [] for value in (c.get("name"), c.get("phone")) if value]
    check("the payload holds none of those customers' names or phones",
          personal and not [value for value in personal if value in text], text)


def main():
    logs = tempfile.mkdtemp(prefix="webhook-check-")
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    sandbox_port, api_port = free_port(), free_port()
    key, entry = key_entry("n8n-outages", ["events:read", "clients:list"])
    processes = []
    try:
        sandbox = subprocess.Popen([os.path.join(BIN, "wisphub-sandbox"), "--port", str(sandbox_port)],
                                   stdout=open(os.path.join(logs, "sandbox.log"), "w"), stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=logs)
        processes.append(sandbox)
        wait_until("the sandbox", lambda: answers(sandbox, sandbox_port, "/_sandbox/stats"), 60)
        env = {"PATH": os.environ.get("PATH", ""), "HOST": "127.0.0.1", "PORT": str(api_port), "RUST_LOG": "debug",
               "WISPHUB_API_URL": f"http://127.0.0.1:{sandbox_port}", "WISPHUB_API_KEY": SANDBOX_KEY,
               "JWT_SECRET": secrets.token_hex(24), "API_KEYS": json.dumps([entry]),
               "DIRECTORY_REFRESH_MINUTES": REFRESH_MINUTES,
               "WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_address[1]}/hooks/wisphub",
               "WEBHOOK_SECRET": SECRET, "WEBHOOK_FIRST_RETRY_MS": str(FIRST_RETRY_MS)}
        api = subprocess.Popen([os.path.join(BIN, "wisphub-local")], env=env, cwd=logs, stdin=subprocess.DEVNULL,
                               stdout=open(os.path.join(logs, "wisphub-local.log"), "w"), stderr=subprocess.STDOUT)
        processes.append(api)
        wait_until("wisphub-local", lambda: answers(api, api_port, "/health"), 60)
        flow(api_port, sandbox_port, receiver, key)
        log_text = open(os.path.join(logs, "wisphub-local.log")).read()
        check("neither the webhook secret nor the key appears in the server's debug log",
              SECRET not in log_text and SECRET[6:] not in log_text and key not in log_text, len(log_text))
    except Exception as error:  # a crash is a failed check, reported with the rest
        check("the flow ran to its end", False, repr(error))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        receiver.shutdown()
    failed = sum(not passed for _, passed, _ in checks)
    print(f"webhook-check: {len(checks) - failed} passed, {failed} failed (logs in {logs})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
