"""Drives a running latchgate-mock with the published Python SDK (latchgate 0.2.0).

Usage: sdk_e2e.py <client_url> <admin_url> <api_key> <operator_pem_file> <control_token>
Prints one JSON object of observations on stdout; the Rust test asserts them.
"""
import asyncio
import json
import sys
import uuid
import time

import httpx
import latchgate
from latchgate._crypto import DPoPKeyPair, compute_ath

CLIENT, ADMIN, API_KEY, PEM, CONTROL_TOKEN = sys.argv[1:6]
OP = DPoPKeyPair.from_pem_file(PEM)


def op_headers(method, path):
    proof = OP.sign_proof(method, CLIENT + path, compute_ath(API_KEY))
    return {"Authorization": f"DPoP {API_KEY}", "DPoP": proof}


async def operator(method, path, **kw):
    async with httpx.AsyncClient() as h:
        r = await h.request(method, ADMIN + path, headers=op_headers(method, path.split("?")[0]), **kw)
        return r.status_code, (r.json() if r.content else None)


async def control(method, path, body=None):
    async with httpx.AsyncClient() as h:
        r = await h.request(method, ADMIN + path, json=body,
                            headers={"Authorization": f"Bearer {CONTROL_TOKEN}"})
        if r.status_code >= 300:
            raise RuntimeError(f"control {method} {path} answered {r.status_code}: {r.text}")
        return r.status_code


def err(e):
    return {"class": type(e).__name__, "str": str(e), "reason": getattr(e, "reason", None)}


async def main():
    out = {}
    c = latchgate.LatchGateClient(base_url=CLIENT)
    await c.connect()
    out["session_id_set"] = bool(c.session_id)
    r = await c.execute("http_fetch", {"url": "https://httpbin.org/get"})
    out["execute"] = {"receipt_id_set": bool(r.receipt_id), "verification": r.verification, "output_ok": r.output["ok"]}
    rc = await c.get_receipt(r.receipt_id)
    out["receipt"] = {"same_id": rc.receipt_id == r.receipt_id, "result_hash_len": len(rc.result_hash)}
    try:
        await c.execute("http_post", {"url": "https://httpbin.org/post", "body": "{}"})
    except Exception as e:  # noqa: BLE001
        out["acl_denied"] = err(e)
    try:
        await c.execute("http_fetch", {"url": 5})
    except Exception as e:  # noqa: BLE001
        out["schema"] = err(e)
    try:
        await c.execute("nope", {})
    except Exception as e:  # noqa: BLE001
        out["unknown_action"] = err(e)

    b = latchgate.LatchGateClient(base_url=CLIENT)
    await b.connect(max_calls=1)
    await b.execute("http_fetch", {"url": "https://httpbin.org/get"})
    try:
        await b.execute("http_fetch", {"url": "https://httpbin.org/get"})
    except Exception as e:  # noqa: BLE001
        out["budget"] = err(e)

    try:
        await c.execute("http_fetch", {"url": "https://approve.example.org/x"})
    except latchgate.LatchGateApprovalRequired as e:
        s = await c.get_approval_status(e.approval_id)
        out["pending"] = {"status": s.status}
        code, body = await operator("POST", f"/v1/approvals/{e.approval_id}/approve")
        out["approve"] = {"code": code, "decision": body["decision"]}
        s = await c.get_approval_status(e.approval_id)
        out["approved"] = {"status": s.status, "receipt_matches": s.receipt_id == body["receipt_id"]}
    try:
        await c.execute("http_fetch", {"url": "https://deny.example.org/x"})
    except latchgate.LatchGateApprovalRequired as e:
        code, body = await operator("POST", f"/v1/approvals/{e.approval_id}/deny", json={"reason": "not today"})
        s = await c.get_approval_status(e.approval_id)
        out["denied"] = {"code": code, "status": s.status, "reason": s.reason}

    await control("POST", "/_mock/faults", {"endpoint": "execute", "times": 1, "action": {"kind": "error", "code": "policy_engine_unavailable"}})
    try:
        await c.execute("http_fetch", {"url": "https://httpbin.org/get"})
    except Exception as e:  # noqa: BLE001
        out["unavailable"] = err(e)

    await control("POST", "/_mock/clock", {"advance_ms": 301000})
    try:
        await c.execute("http_fetch", {"url": "https://httpbin.org/get"})
    except Exception as e:  # noqa: BLE001
        out["expired"] = err(e)
    await c.close()
    await b.close()
    print(json.dumps(out))


asyncio.run(main())
