#!/usr/bin/env node
// Conformance driver for the example Node.js SDK (./latchgate.mjs): driver protocol v1, one JSON
// command per stdin line, one answer per stdout line. It reports what the SDK did and never
// repairs it. Run: latchgate-conformance run --suite sdk --sdk 'cmd:node conformance/drivers/node/driver.mjs'
import { createInterface } from 'node:readline';
import { Client, LatchGateError, VERSION } from './latchgate.mjs';

const CAPABILITIES = ['get_action', 'env', 'timeout'];
const clients = new Map();

/** The canonical error outcome: only what the SDK exposes; foreign exceptions are Uncaught. */
function outcome(e) {
  if (!(e instanceof LatchGateError)) {
    return { kind: 'Uncaught', native: `${e?.name ?? typeof e}: ${e?.message ?? String(e)}` };
  }
  return {
    kind: e.kind, status: e.status, code: e.code, reason: e.reason, transient: e.transient,
    may_have_executed: e.mayHaveExecuted, retry_after: e.retryAfter, stale_session: e.staleSession,
    field: e.field, approval_id: e.approvalId, request_hash: e.requestHash, trace_id: e.traceId,
    native: `LatchGateError: ${e.message}`,
  };
}

const unsupported = (what) => ({ error: { kind: 'Unsupported', native: what } });
const session = (c) => ({ session_id: c.sessionId, lease_jti: c.leaseJti, expires_at: c.expiresAt });

function client(cmd) {
  const c = clients.get(cmd.client);
  if (!c) throw new Error(`unknown client handle ${cmd.client}`);
  return c;
}

const commands = {
  hello: async () => {
    // Loading fetch's HTTP stack takes a moment: do it now, not inside the first timed call.
    await fetch('data:,warm-up').catch(() => {});
    return {
      protocol: 1,
      sdk: { name: 'latchgate-example-node', version: VERSION, language: 'javascript', runtime: `node ${process.versions.node}` },
      capabilities: CAPABILITIES,
    };
  },
  new_client: (cmd) => {
    if (cmd.socket !== undefined) return unsupported('this SDK speaks TCP only');
    const env = { ...process.env };
    for (const [k, v] of Object.entries(cmd.env ?? {})) {
      if (v === null) delete env[k]; else env[k] = v;
    }
    const c = new Client({
      baseUrl: cmd.base_url, publicBaseUrl: cmd.public_base_url, agentId: cmd.agent_id,
      timeoutMs: cmd.timeout_ms, executeTimeoutMs: cmd.timeout_ms, env,
    });
    const handle = `c${clients.size + 1}`;
    clients.set(handle, c);
    return { client: handle };
  },
  connect: async (cmd) => {
    const opts = {};
    if ('scopes' in cmd) opts.scopes = cmd.scopes;
    if ('max_calls' in cmd) opts.maxCalls = cmd.max_calls;
    if ('fs_root' in cmd) opts.fsRoot = cmd.fs_root;
    await client(cmd).connect(opts);
    return session(client(cmd));
  },
  session: (cmd) => session(client(cmd)),
  execute: async (cmd) => {
    const r = await client(cmd).execute(cmd.action_id, 'params' in cmd ? cmd.params : undefined);
    return {
      trace_id: r.traceId, grant_id: r.grantId, receipt_id: r.receiptId, action_id: r.actionId,
      output: r.output, verification_outcome: r.verificationOutcome, is_fully_successful: r.isFullySuccessful,
    };
  },
  get_receipt: async (cmd) => {
    const r = await client(cmd).getReceipt(cmd.receipt_id);
    return { receipt: r.raw, is_fully_successful: r.isFullySuccessful };
  },
  get_approval_status: async (cmd) => {
    const s = await client(cmd).getApprovalStatus(cmd.approval_id);
    return {
      approval_id: s.approvalId, status: s.status, receipt_id: s.receiptId, reason: s.reason,
      retry_after_seconds: s.retryAfterSeconds, is_terminal: s.isTerminal,
    };
  },
  get_action: async (cmd) => {
    const a = await client(cmd).getAction(cmd.action_id);
    return { egress: a.egressProfile };
  },
  close: (cmd) => { client(cmd).close(); return {}; },
};

async function answer(line) {
  let cmd;
  try { cmd = JSON.parse(line); } catch (e) { process.stderr.write(`not JSON: ${line}\n`); return; }
  const run = commands[cmd.cmd];
  let out;
  if (!run) out = unsupported(`command ${cmd.cmd}`);
  else {
    try {
      const r = await run(cmd);
      out = r && (r.error || r.ok) && Object.keys(r).length === 1 ? r : { ok: r };
    } catch (e) {
      out = { error: outcome(e) };
    }
  }
  process.stdout.write(`${JSON.stringify({ id: cmd.id, ...out })}\n`);
}

// Commands are answered one at a time, in order.
let queue = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => { if (line.trim()) queue = queue.then(() => answer(line)); })
  .on('close', () => { queue.then(() => process.exit(0)); });
