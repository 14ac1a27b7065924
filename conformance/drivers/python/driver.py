#!/usr/bin/env python3
"""Conformance driver for the published Python SDK `latchgate` (PyPI).

Speaks the latchgate-conformance driver protocol v1: one JSON command per stdin line, one JSON
answer per stdout line ({"id", "ok"} or {"id", "error"}). It is warm: one process serves many
scenarios, with a `reset` between them that closes every client and restores the environment. It reports what the SDK did and never
repairs it: an SDK exception is mapped to the canonical kind its class stands for, attributes the
SDK does not expose are null, and anything outside the SDK's exception hierarchy is reported as
kind "Uncaught" with its Python type.
"""

import asyncio
import json
import os
import platform
import sys
import traceback
from importlib import metadata

import latchgate
from latchgate import (
    LatchGateApprovalRequired,
    LatchGateAuthError,
    LatchGateBudgetExhausted,
    LatchGateClient,
    LatchGateDenied,
    LatchGateError,
    LatchGateLeaseExpired,
    LatchGateNotConnected,
    LatchGateReplayDetected,
    LatchGateTransportError,
    LatchGateUnavailable,
)

PROTOCOL = 1
CAPABILITIES = ["get_action", "env", "socket", "concurrency", "timeout", "debug_repr", "info", "warm"]

# Most specific class first: LeaseExpired and ReplayDetected subclass AuthError.
KINDS = [
    (LatchGateApprovalRequired, "ApprovalRequired"),
    (LatchGateBudgetExhausted, "BudgetExhausted"),
    (LatchGateLeaseExpired, "LeaseExpired"),
    (LatchGateReplayDetected, "ReplayDetected"),
    (LatchGateAuthError, "AuthError"),
    (LatchGateDenied, "Denied"),
    (LatchGateUnavailable, "Unavailable"),
    (LatchGateTransportError, "TransportError"),
    (LatchGateNotConnected, "NotConnected"),
]


def as_text(value):
    """An attribute as the SDK exposes it; a non-string value is shown as its JSON text."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def error_outcome(exc):
    """The canonical outcome of an exception, with only what the SDK exposes."""
    kind = None
    for cls, name in KINDS:
        if isinstance(exc, cls):
            kind = name
            break
    if kind is None and isinstance(exc, ValueError) and not isinstance(exc, LatchGateError):
        # The SDK validates arguments by raising ValueError: its documented invalid-input signal.
        kind = "InvalidInput"
    if kind is None:
        kind = "Uncaught"
    out = {
        "kind": kind,
        "status": None,
        "code": as_text(getattr(exc, "code", None)),
        "reason": as_text(getattr(exc, "reason", None)),
        "transient": None,
        "may_have_executed": None,
        "retry_after": None,
        "stale_session": None,
        "field": None,
        "native": f"{type(exc).__module__}.{type(exc).__name__}: {exc}",
    }
    if isinstance(exc, LatchGateApprovalRequired):
        out["approval_id"] = exc.approval_id
        out["request_hash"] = getattr(exc, "request_hash", None)
        out["trace_id"] = getattr(exc, "trace_id", None)
    return out


class Driver:
    def __init__(self):
        self.clients = {}
        self.environ = dict(os.environ)

    def client(self, cmd):
        return self.clients[cmd["client"]]

    async def hello(self, cmd):
        return {
            "protocol": PROTOCOL,
            "sdk": {
                "name": "latchgate",
                "version": metadata.version("latchgate"),
                "language": "python",
                "runtime": f"{platform.python_implementation()} {platform.python_version()}",
            },
            "capabilities": CAPABILITIES,
        }

    async def new_client(self, cmd):
        for name, value in (cmd.get("env") or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        kwargs = {}
        for key in ("base_url", "socket", "public_base_url", "agent_id"):
            if key in cmd and cmd[key] is not None:
                kwargs[key] = cmd[key]
        if cmd.get("timeout_ms") is not None:
            kwargs["timeout"] = cmd["timeout_ms"] / 1000.0
        client = LatchGateClient(**kwargs)
        handle = f"c{len(self.clients) + 1}"
        self.clients[handle] = client
        return {"client": handle}

    async def connect(self, cmd):
        client = self.client(cmd)
        kwargs = {}
        if "scopes" in cmd:
            kwargs["scopes"] = cmd["scopes"]
        if "max_calls" in cmd:
            kwargs["max_calls"] = cmd["max_calls"]
        if "fs_root" in cmd:
            kwargs["fs_root"] = cmd["fs_root"]
        await client.connect(**kwargs)
        return self.session_of(client)

    def session_of(self, client):
        # The SDK exposes session_id and lease_jti; it has no public expires_at accessor.
        return {"session_id": client.session_id, "lease_jti": client.lease_jti, "expires_at": None}

    async def session(self, cmd):
        return self.session_of(self.client(cmd))

    async def info(self, cmd):
        client = self.client(cmd)
        return {
            "base_url": str(client.http_transport.base_url) or None,
            "htu_base": client.gate_url,
            "session_id": client.session_id,
            "lease_jti": client.lease_jti,
        }

    async def debug(self, cmd):
        client = self.client(cmd)
        return {"text": f"{client!r}\n{client!s}"}

    async def execute(self, cmd):
        client = self.client(cmd)
        if "params" in cmd:
            result = await client.execute(cmd["action_id"], cmd["params"])
        else:
            result = await client.execute(cmd["action_id"])
        return {
            "trace_id": result.trace_id,
            "grant_id": result.grant_id,
            "receipt_id": result.receipt_id,
            "action_id": None,
            "output": result.output,
            "verification_outcome": (result.verification or {}).get("outcome"),
            "is_fully_successful": (result.verification or {}).get("is_fully_successful"),
        }

    async def execute_many(self, cmd):
        async def one():
            try:
                return {"ok": await self.execute(cmd)}
            except BaseException as exc:  # noqa: BLE001 - reported, never swallowed
                return {"error": error_outcome(exc)}

        results = await asyncio.gather(*[one() for _ in range(int(cmd["count"]))])
        return {"results": results}

    async def get_receipt(self, cmd):
        r = await self.client(cmd).get_receipt(cmd["receipt_id"])
        raw = {
            "receipt_id": r.receipt_id,
            "grant_id": r.grant_id,
            "provider_module_digest": r.provider_module_digest,
            "provider_receipt": r.provider_receipt,
            "normalized_result": r.normalized_result,
            "verification_outcome": r.verification_outcome,
            "result_hash": r.result_hash,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "failure_class": r.failure_class,
        }
        return {"receipt": raw, "is_fully_successful": r.is_fully_successful}

    async def get_approval_status(self, cmd):
        s = await self.client(cmd).get_approval_status(cmd["approval_id"])
        return {
            "approval_id": s.approval_id,
            "status": s.status,
            "receipt_id": s.receipt_id,
            "reason": s.reason,
            "retry_after_seconds": s.retry_after_seconds,
            "is_terminal": s.status in ("approved", "denied", "failed"),
        }

    async def get_action(self, cmd):
        e = await self.client(cmd).get_action_egress(cmd["action_id"])
        kind = e.profile if e.profile in ("none", "proxy_allowlist") else "unknown"
        return {"egress": {"kind": kind, "domains": list(e.allowed_domains)}}

    async def close(self, cmd):
        await self.client(cmd).close()
        return {}

    async def reset(self, cmd):
        """Back to the state after hello: every client closed and forgotten, the environment
        (changed by new_client's env) as it was at start."""
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - a client that fails to close is dropped all the same
                print(traceback.format_exc(), file=sys.stderr)
        os.environ.clear()
        os.environ.update(self.environ)
        return {}


async def main():
    driver = Driver()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        if not line.strip():
            continue
        cmd = json.loads(line)
        cid = cmd.get("id")
        handler = getattr(driver, cmd.get("cmd", ""), None)
        if handler is None or cmd.get("cmd", "").startswith("_"):
            answer = {"id": cid, "error": {"kind": "Unsupported", "native": f"command {cmd.get('cmd')!r}"}}
        else:
            try:
                answer = {"id": cid, "ok": await handler(cmd)}
            except BaseException as exc:  # noqa: BLE001 - every outcome is reported
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                answer = {"id": cid, "error": error_outcome(exc)}
                print(traceback.format_exc(), file=sys.stderr)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
