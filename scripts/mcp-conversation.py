"""A bot conversation through the two one-step doors, checked against the sandbox's own record.

    scripts/mcp-check   (installs the MCP SDK, builds, then runs this with the binaries' folder)

Starts wisphub-sandbox (default mode) and wisphub-local with two API keys — a WhatsApp bot's and a
plans-only one — then:
- as an n8n HTTP node with only `X-API-Key`: find by phone, verify, the balance with the proof, a
  ticket with an Idempotency-Key sent twice;
- as an AI agent through the official MCP SDK (`mcp` on PyPI) with only the key: initialize, list the
  tools as the bot and as the plans-only key, find the client by phone, verify → proof → balance,
  the balance without the proof (refused, no WispHub call), report_payment with a receipt (then
  "in review" in the balance; its bytes in no log line), create_ticket twice with the same
  arguments (one ticket in the sandbox's record).
Loopback only, every wait bounded. Last line: `mcp-check: N passed, M failed`; exit 1 on any failure.
"""

import asyncio
import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

BIN = sys.argv[1]
SANDBOX_KEY = "sandbox0.sandboxkey0000000000000000000000"  # wisphub-sandbox's DEFAULT_API_KEY
BOT_SCOPES = ["clients:read", "tickets:read", "tickets:write", "network:ping", "network:read", "plans:read",
              "billing:read", "billing:write"]
PHONE, SERVICE = "+57 300 123 4567", 1001  # a demo customer of the sandbox
# A 1×1 PNG padded with recognisable bytes: a log line holding any of it would be found.
RECEIPT = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89" + b"RECEIPT-BYTES-" * 64
OWING, OWING_FACTS = 1004, {"name": "Ana Lucía Rodríguez", "address": "La Esperanza, Finca El Roble",
                             "internet_plan_name": "10MB PLUS"}
FACTS = {"address": "Vereda El Peñón", "internet_plan_name": "10MB PLUS", "internet_plan_price": 65000}
checks = []


def check(name, passed, detail=""):
    checks.append((name, bool(passed), detail))
    print(f"mcp-check: {'ok  ' if passed else 'FAIL'} {name}" + ("" if passed else f": {detail}"), file=sys.stderr)


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


def wait_up(port, path, process):
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{path}: the process exited with {process.returncode}")
        try:
            http(port, "GET", path)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"127.0.0.1:{port}{path} did not come up")


def key_entry(name, scopes):
    key = "whk_" + secrets.token_hex(32)
    return key, {"name": name, "sha256": hashlib.sha256(key.encode()).hexdigest(), "scopes": scopes}


def sandbox_total(port):
    return http(port, "GET", "/_sandbox/stats")[1]["total"]


def tickets_described(port, description):
    return [t for t in http(port, "GET", "/_sandbox/tickets")[1]["tickets"] if t["descripcion"] == description]


def rest_conversation(api, sandbox, key):
    """An n8n HTTP node: one fixed header, no token exchange."""
    header = {"X-API-Key": key}
    status, found = http(api, "GET", "/api/v1/clients/by-phone/3001234567", header)
    check("rest: find by phone with X-API-Key", status == 200 and found["action"] == "client_found", found)
    status, verified = http(api, "POST", f"/api/v1/clients/{SERVICE}/verify", header, FACTS)
    proof = ((verified or {}).get("meta") or {}).get("verification", {}).get("token")
    check("rest: verify hands out the proof", verified["action"] == "client_verified" and proof, verified)
    status, balance = http(api, "GET", f"/api/v1/billing/{SERVICE}/balance", {**header, "X-Verification-Token": proof or ""})
    check("rest: balance with the proof", balance["action"] == "client_balance_found", balance)
    description = f"rest-{secrets.token_hex(4)}: sin internet"
    body = {"service_id": 1004, "subject": "Internet Lento", "description": description}
    keyed = {**header, "Idempotency-Key": f"wa-{secrets.token_hex(6)}"}
    first = http(api, "POST", "/api/v1/tickets", keyed, body)[1]
    again = http(api, "POST", "/api/v1/tickets", keyed, body)[1]
    check("rest: a ticket sent twice with its key is made once",
          first["action"] == "ticket_created" and again == first and len(tickets_described(sandbox, description)) == 1,
          (first, again))


def agent(url, key, mode="legacy"):
    client = httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=30)
    return Client(streamable_http_client(url, http_client=client), mode=mode), client


async def call(session, tool, arguments):
    result = await session.call_tool(tool, arguments)
    return bool(result.is_error), result.structured_content or {}


async def mcp_conversation(api, sandbox, bot_key, plans_key):
    url = f"http://127.0.0.1:{api}/mcp"
    bot, bot_http = agent(url, bot_key)
    plans, plans_http = agent(url, plans_key)
    async with bot_http, plans_http, bot as session, plans as plans_session:
        check("mcp: initialize (SDK handshake)", session.session.protocol_version is not None)
        bot_tools = {tool.name for tool in (await session.list_tools()).tools}
        plans_tools = {tool.name for tool in (await plans_session.list_tools()).tools}
        check("mcp: the bot's tools include find, verify, balance, create_ticket",
              {"find_client", "verify_client", "balance", "create_ticket"} <= bot_tools, sorted(bot_tools))
        check("mcp: a plans-only key lists only the plan tools", plans_tools == {"list_plans", "get_plan"}, plans_tools)

        error, found = await call(session, "find_client", {"phone": PHONE})
        check("mcp: find_client by phone", not error and found.get("action") == "client_found", found)
        before = sandbox_total(sandbox)
        error, refused = await call(session, "balance", {"service_id": SERVICE})
        calls = sandbox_total(sandbox) - before
        check("mcp: balance without the proof is refused with no WispHub call",
              refused.get("action") == "client_verification_required" and calls == 0, (refused, calls))
        error, verified = await call(session, "verify_client", {"service_id": SERVICE, **FACTS})
        proof = ((verified.get("meta") or {}).get("verification") or {}).get("token")
        check("mcp: verify_client returns the proof", verified.get("action") == "client_verified" and proof, verified)
        error, balance = await call(session, "balance", {"service_id": SERVICE, "verification_token": proof})
        check("mcp: balance with the proof", not error and balance.get("action") == "client_balance_found", balance)

        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 29 * 3600))  # Bogotá's yesterday
        receipt = {"content_type": "image/png", "data_base64": base64.b64encode(RECEIPT).decode()}
        # A customer with pending invoices (the sandbox's 1004) verifies, then sends the transfer's receipt.
        _, owing = await call(session, "verify_client", {"service_id": OWING, **OWING_FACTS})
        owing_proof = ((owing.get("meta") or {}).get("verification") or {}).get("token")
        report = {"service_id": OWING, "verification_token": owing_proof, "reference": f"MCP-{secrets.token_hex(3)}",
                  "paid_on": yesterday, "amount": 65000, "payment_method_id": 16749, "receipt": receipt}
        error, reported = await call(session, "report_payment", report)
        _, balance = await call(session, "balance", {"service_id": OWING, "verification_token": owing_proof})
        in_review = [p["reference"] for p in (balance.get("data") or {}).get("reported_payments", [])]
        check("mcp: report_payment files the receipt and the balance shows it in review",
              reported.get("action") == "payment_reported" and report["reference"] in in_review, (reported, in_review))

        description = f"mcp-{secrets.token_hex(4)}: internet lento"
        arguments = {"service_id": 1004, "subject": "Internet Lento", "description": description}
        _, first = await call(session, "create_ticket", arguments)
        _, again = await call(session, "create_ticket", arguments)
        made = tickets_described(sandbox, description)
        check("mcp: create_ticket twice with the same arguments makes one ticket",
              first.get("action") == "ticket_created" and again == first and len(made) == 1, (first, again, made))
        error, denied = await call(plans_session, "balance", {"service_id": SERVICE})
        check("mcp: a tool outside the key's scopes is an error naming the scope",
              error and "billing:read" in (denied.get("message") or ""), denied)

    auto, auto_http = agent(url, bot_key, mode="auto")
    async with auto_http, auto as session:
        names = {tool.name for tool in (await session.list_tools()).tools}
        check("mcp: the SDK's default (auto) negotiation works too", "find_client" in names, sorted(names))


def main():
    logs = tempfile.mkdtemp(prefix="mcp-check-")
    sandbox_port, api_port = free_port(), free_port()
    bot_key, bot_entry = key_entry("whatsapp-agent", BOT_SCOPES)
    plans_key, plans_entry = key_entry("plans-agent", ["plans:read"])
    processes = []
    try:
        sandbox = subprocess.Popen([os.path.join(BIN, "wisphub-sandbox"), "--port", str(sandbox_port)],
                                   stdout=open(os.path.join(logs, "sandbox.log"), "w"), stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=logs)
        processes.append(sandbox)
        wait_up(sandbox_port, "/_sandbox/stats", sandbox)
        env = {"PATH": os.environ.get("PATH", ""), "HOST": "127.0.0.1", "PORT": str(api_port), "RUST_LOG": "debug",
               "WISPHUB_API_URL": f"http://127.0.0.1:{sandbox_port}", "WISPHUB_API_KEY": SANDBOX_KEY,
               "JWT_SECRET": secrets.token_hex(24), "DEFAULT_TECHNICIAN_ID": "7",
               "API_KEYS": json.dumps([bot_entry, plans_entry])}
        api = subprocess.Popen([os.path.join(BIN, "wisphub-local")], env=env, cwd=logs, stdin=subprocess.DEVNULL,
                               stdout=open(os.path.join(logs, "wisphub-local.log"), "w"), stderr=subprocess.STDOUT)
        processes.append(api)
        wait_up(api_port, "/health", api)
        rest_conversation(api_port, sandbox_port, bot_key)
        asyncio.run(asyncio.wait_for(mcp_conversation(api_port, sandbox_port, bot_key, plans_key), timeout=120))
        log_text = open(os.path.join(logs, "wisphub-local.log")).read()
        check("no key appears in the server's debug log", bot_key not in log_text and plans_key not in log_text and "sandbox0.sandboxkey" not in log_text, len(log_text))
        receipt_b64 = base64.b64encode(RECEIPT).decode()
        check("no receipt bytes in the server's debug log",
              "RECEIPT-BYTES" not in log_text and receipt_b64[20:80] not in log_text, len(log_text))
    except Exception as error:  # a crash is a failed check, reported with the rest
        check("the conversation ran to its end", False, repr(error))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
    failed = sum(not passed for _, passed, _ in checks)
    print(f"mcp-check: {len(checks) - failed} passed, {failed} failed (logs in {logs})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
