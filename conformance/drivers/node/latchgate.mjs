// A small LatchGate agent SDK for Node.js 20+, written as the example that the driver guide
// (conformance/DRIVERS.md) wraps. Standard library only: node:crypto for P-256 keys, ES256 and
// SHA-256, and the built-in fetch for HTTP/1.1. Agent side over TCP: lease, renewal, DPoP proofs,
// execute, receipts, approval polling, action discovery, and the contract's error mapping.
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';

export const VERSION = '0.1.0';
const RENEW_BEFORE_MS = 60_000;
const MAX_BODY_BYTES = 1_048_576;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/; // JS `$` never matches before a final newline
const TRANSIENT = new Set(['LeaseExpired', 'ReplayDetected', 'Conflict', 'Unavailable', 'TransportError']);
const EXEC_503_UNAVAILABLE = new Set(['clock_error', 'replay_cache_unavailable', 'policy_engine_unavailable',
  'policy_engine_timeout', 'policy_engine_invalid_response', 'budget_store_unavailable', 'store_unavailable', 'draining']);

/** The one error type of the SDK; `kind` is a kind of the SDK contract. */
export class LatchGateError extends Error {
  constructor(kind, message, attrs = {}) {
    super(message);
    this.name = 'LatchGateError';
    this.kind = kind;
    this.status = attrs.status ?? null;
    this.code = attrs.code ?? null;
    this.reason = attrs.reason ?? null;
    this.retryAfter = attrs.retryAfter ?? null;
    this.field = attrs.field ?? null;
    this.staleSession = attrs.staleSession ?? null;
    this.approvalId = attrs.approvalId ?? null;
    this.requestHash = attrs.requestHash ?? null;
    this.traceId = attrs.traceId ?? null;
    this.sent = attrs.sent ?? null;
    this.mayHaveExecuted = attrs.mayHaveExecuted ?? kind === 'OutcomeUnknown';
    this.transient = TRANSIENT.has(kind);
  }
}

const invalid = (field, why) => new LatchGateError('InvalidInput', `${field}: ${why}`, { field });
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const sha256 = (data) => createHash('sha256').update(data).digest();
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkId(field, value) {
  if (typeof value !== 'string' || !ID_RE.test(value)) throw invalid(field, 'not a valid identifier');
}

/** An absolute http(s) URL with a host, no query or fragment, trailing slashes removed. */
function checkBase(field, value) {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'must be a non-empty URL');
  let u;
  try { u = new URL(value); } catch { throw invalid(field, 'not an absolute URL'); }
  if (!['http:', 'https:'].includes(u.protocol) || !u.host || u.search || u.hash || value.includes('?') || value.includes('#')) {
    throw invalid(field, 'must be http(s)://host[:port][/path] without query or fragment');
  }
  return value.replace(/\/+$/, '');
}

/** The gate's htu normalisation: no query/fragment, lower-case scheme and authority, no default port. */
export function normaliseHtu(url) {
  const cut = url.split('#')[0].split('?')[0];
  const at = cut.indexOf('://');
  if (at < 0) throw invalid('htu', 'missing ://');
  const scheme = cut.slice(0, at).toLowerCase();
  const rest = cut.slice(at + 3);
  const slash = rest.indexOf('/');
  let authority = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? '/' : rest.slice(slash);
  const colon = authority.lastIndexOf(':');
  if (colon > authority.lastIndexOf(']')) {
    const port = authority.slice(colon + 1);
    if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) authority = authority.slice(0, colon);
  }
  return `${scheme}://${authority}${path}`;
}

function hasNonFinite(v) {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonFinite);
  if (isObject(v)) return Object.values(v).some(hasNonFinite);
  return false;
}

function parseErrorBody(text) {
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: code and reason stay null */ }
  if (!isObject(body)) return { code: null, reason: null };
  const str = (k) => (typeof body[k] === 'string' ? body[k] : null);
  return { code: str('error'), reason: str('deny_reason') ?? str('message') };
}

/** The contract's response mapping for an error status on an endpoint group. */
function errorKind(endpoint, status, code, reason) {
  const byClass = () => (status < 500 ? 'Denied' : endpoint === 'EXEC' ? 'OutcomeUnknown' : 'Unavailable');
  if (status === 401) {
    if (endpoint === 'EXEC' || endpoint === 'RCPT') {
      if (code === 'lease_expired') return 'LeaseExpired';
      if (code === 'replay_detected') return 'ReplayDetected';
    }
    return 'AuthError';
  }
  if (status === 404 && endpoint !== 'LEASE') return 'NotFound';
  if (endpoint === 'LEASE' && status === 429) return 'Unavailable';
  if (endpoint !== 'EXEC') return byClass();
  if (status === 403 && (code === 'budget_exhausted' || (code === 'policy_denied' && reason?.startsWith('budget exhausted')))) return 'BudgetExhausted';
  if (status === 409) return 'Conflict';
  if (status === 429) return 'Unavailable';
  if (status === 503) return EXEC_503_UNAVAILABLE.has(code) ? 'Unavailable' : 'OutcomeUnknown';
  return byClass();
}

function parseSuccess(text, endpoint) {
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  if (!isObject(body)) {
    throw new LatchGateError('ProtocolError', 'success body is not a JSON object', { mayHaveExecuted: endpoint === 'EXEC' });
  }
  return body;
}

function requireStrings(body, names, endpoint) {
  for (const n of names) {
    if (typeof body[n] !== 'string' || body[n] === '') {
      throw new LatchGateError('ProtocolError', `response member ${n} missing or not a string`, { mayHaveExecuted: endpoint === 'EXEC' });
    }
  }
}

export class Client {
  #base; #htuBase; #agentId; #timeoutMs; #executeTimeoutMs;
  #lease = null; #params = null; #inflight = null; #closed = false; #approvals = new Map();

  /** Options: baseUrl, publicBaseUrl, agentId, timeoutMs, executeTimeoutMs, env (defaults to process.env). */
  constructor(opts = {}) {
    const env = opts.env ?? process.env;
    const fromEnv = (name) => (env[name] ? env[name] : undefined);
    this.#base = checkBase('base_url', opts.baseUrl !== undefined ? opts.baseUrl : fromEnv('LATCHGATE_URL') ?? '');
    const htu = opts.publicBaseUrl !== undefined ? opts.publicBaseUrl : fromEnv('LATCHGATE_PUBLIC_BASE_URL') ?? this.#base;
    this.#htuBase = checkBase('public_base_url', htu);
    this.#agentId = opts.agentId ?? null;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#executeTimeoutMs = opts.executeTimeoutMs ?? Math.max(60_000, this.#timeoutMs);
  }

  get sessionId() { return this.#lease?.sessionId ?? null; }
  get leaseJti() { return this.#lease?.leaseJti ?? null; }
  get expiresAt() { return this.#lease ? new Date(this.#lease.expiresAt).toISOString() : null; }
  toString() { return `Client(${this.#base}, session ${this.sessionId ?? 'none'})`; }

  /** Requests a lease now; its parameters are reused for every renewal. */
  async connect({ scopes, maxCalls, fsRoot } = {}) {
    this.#checkOpen();
    const params = { scopes: scopes === undefined ? ['tools:call'] : scopes };
    if (!Array.isArray(params.scopes) || params.scopes.length === 0 || !params.scopes.every((s) => typeof s === 'string')) {
      throw invalid('scopes', 'must be a non-empty list of strings');
    }
    if (maxCalls !== undefined) {
      if (!Number.isSafeInteger(maxCalls) || maxCalls < 1) throw invalid('max_calls', 'must be an integer >= 1');
      params.budgets = { max_calls: maxCalls };
    }
    if (fsRoot !== undefined) {
      if (typeof fsRoot !== 'string' || !fsRoot.startsWith('/')) throw invalid('fs_root', 'must be an absolute path');
      params.fs_root = fsRoot;
    }
    this.#params = params;
    this.#lease = await this.#requestLease(params);
    return this.#session();
  }

  async execute(actionId, params) {
    this.#checkOpen();
    checkId('action_id', actionId);
    const body = params === undefined ? {} : params;
    if (!isObject(body)) throw invalid('params', 'must be a JSON object');
    if (hasNonFinite(body)) throw invalid('params', 'holds a non-finite number');
    const text = JSON.stringify(body);
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw invalid('params', 'body over 1 MiB');
    const path = `/v1/actions/${actionId}/execute`;
    const { res, text: answer, lease } = await this.#agentCall('POST', path, 'EXEC', text, actionId);
    if (res.status === 202) {
      const b = parseSuccess(answer, 'EXEC');
      requireStrings(b, ['approval_id'], 'EXEC');
      this.#approvals.set(b.approval_id, lease.sessionId);
      throw new LatchGateError('ApprovalRequired', `approval required: ${b.approval_id}`, {
        status: 202, approvalId: b.approval_id, requestHash: b.request_hash ?? null, traceId: b.trace_id ?? null, mayHaveExecuted: false,
      });
    }
    const b = parseSuccess(answer, 'EXEC');
    if (b.decision !== 'executed') throw new LatchGateError('ProtocolError', `decision ${b.decision}`, { mayHaveExecuted: true });
    requireStrings(b, ['trace_id', 'grant_id', 'receipt_id'], 'EXEC');
    return {
      traceId: b.trace_id, grantId: b.grant_id, receiptId: b.receipt_id, actionId: b.action_id ?? null,
      output: b.output ?? null, verificationOutcome: b.verification_outcome ?? null,
      isFullySuccessful: b.verification?.is_fully_successful ?? null,
    };
  }

  async getReceipt(receiptId) {
    this.#checkOpen();
    checkId('receipt_id', receiptId);
    const { text } = await this.#agentCall('GET', `/v1/receipts/${receiptId}`, 'RCPT', undefined, receiptId);
    const r = parseSuccess(text, 'RCPT');
    requireStrings(r, ['receipt_id', 'grant_id', 'result_hash', 'started_at', 'finished_at'], 'RCPT');
    if (r.receipt_id !== receiptId) throw new LatchGateError('ProtocolError', 'receipt_id differs from the one requested');
    const ok = r.normalized_result?.kind === 'success'
      && ['verified', 'unverifiable_declared'].includes(r.verification_outcome?.status);
    return { raw: r, isFullySuccessful: ok };
  }

  async getApprovalStatus(approvalId) {
    this.#checkOpen();
    checkId('approval_id', approvalId);
    const { text } = await this.#agentCall('GET', `/v1/approvals/${approvalId}/poll`, 'POLL', undefined, approvalId);
    const b = parseSuccess(text, 'POLL');
    if (typeof b.status !== 'string') throw new LatchGateError('ProtocolError', 'poll answer without a string status');
    if (b.status === 'approved') requireStrings(b, ['receipt_id'], 'POLL');
    return {
      approvalId, status: b.status, receiptId: b.receipt_id ?? null, reason: b.reason ?? null,
      retryAfterSeconds: b.retry_after_seconds ?? null, isTerminal: ['approved', 'denied', 'failed'].includes(b.status),
    };
  }

  /** The egress profile of an action: unauthenticated discovery. */
  async getAction(actionId) {
    this.#checkOpen();
    checkId('action_id', actionId);
    const { res, text } = await this.#send('GET', `/v1/actions/${actionId}`, {}, undefined, this.#timeoutMs, 'DISC');
    if (res.status !== 200) throw this.#statusError('DISC', res, text);
    const b = parseSuccess(text, 'DISC');
    const e = b.egress;
    let egress = { kind: 'unknown', domains: null, raw: e ?? null };
    if (e === 'none') egress = { kind: 'none', domains: [] };
    else if (isObject(e) && Object.keys(e).length === 1 && isObject(e.proxy_allowlist)
      && Array.isArray(e.proxy_allowlist.allowed_domains) && e.proxy_allowlist.allowed_domains.every((d) => typeof d === 'string')) {
      egress = { kind: 'proxy_allowlist', domains: e.proxy_allowlist.allowed_domains };
    }
    return { ...b, egressProfile: egress };
  }

  close() { this.#closed = true; }

  #checkOpen() { if (this.#closed) throw new LatchGateError('Closed', 'client is closed'); }

  #session() { return { sessionId: this.sessionId, leaseJti: this.leaseJti, expiresAt: this.expiresAt }; }

  async #requestLease(params) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    const jwk = { kty, crv, x, y };
    const body = JSON.stringify({ ...params, dpop_jwk: jwk });
    const { res, text } = await this.#send('POST', '/v1/leases', { 'content-type': 'application/json' }, body, this.#timeoutMs, 'LEASE');
    if (res.status !== 200) throw this.#statusError('LEASE', res, text);
    const b = parseSuccess(text, 'LEASE');
    requireStrings(b, ['lease_jwt', 'session_id', 'lease_jti', 'expires_at'], 'LEASE');
    const expiresAt = Date.parse(b.expires_at);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(b.expires_at) || Number.isNaN(expiresAt)) {
      throw new LatchGateError('ProtocolError', 'expires_at is not RFC 3339');
    }
    return { jwt: b.lease_jwt, sessionId: b.session_id, leaseJti: b.lease_jti, expiresAt, privateKey, jwk };
  }

  /** The current lease, requested or renewed first when needed; concurrent callers share one request. */
  async #ensureLease() {
    const lease = this.#lease;
    if (lease && lease.expiresAt - Date.now() >= RENEW_BEFORE_MS) return lease;
    const params = this.#params ?? (this.#agentId !== null ? { scopes: ['tools:call'] } : null);
    if (!lease && !params) throw new LatchGateError('NotConnected', 'connect() first, or give an agent id');
    if (!this.#inflight) {
      this.#inflight = this.#requestLease(params).then(
        (l) => { this.#lease = l; this.#params ??= params; return l; },
      ).finally(() => { this.#inflight = null; });
    }
    try {
      return await this.#inflight;
    } catch (e) {
      const stillValid = lease && lease.expiresAt > Date.now();
      if (stillValid && ['Unavailable', 'TransportError'].includes(e.kind)) return lease;
      throw e;
    }
  }

  async #agentCall(method, path, endpoint, body, addressed) {
    const lease = await this.#ensureLease();
    const htu = normaliseHtu(this.#htuBase + path);
    const headers = { authorization: `DPoP ${lease.jwt}`, dpop: proof(lease, method, htu) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = endpoint === 'EXEC' ? this.#executeTimeoutMs : this.#timeoutMs;
    const { res, text } = await this.#send(method, path, headers, body, timeout, endpoint);
    if (res.status === 200 || (res.status === 202 && endpoint === 'EXEC')) return { res, text, lease };
    const err = this.#statusError(endpoint, res, text);
    if (res.status === 401 && ['lease_expired', 'invalid_lease'].includes(err.code) && endpoint !== 'POLL' && this.#lease === lease) {
      this.#lease = null; // discarded: the next call re-leases with the recorded parameters
    }
    if (endpoint === 'POLL' && err.kind === 'NotFound') {
      const created = this.#approvals.get(addressed);
      err.staleSession = created !== undefined && created !== lease.sessionId;
    }
    throw err;
  }

  #statusError(endpoint, res, text) {
    const { status } = res;
    if (status < 400) {
      return new LatchGateError('ProtocolError', `unexpected status ${status}`, { status, mayHaveExecuted: endpoint === 'EXEC' });
    }
    const { code, reason } = parseErrorBody(text);
    const kind = errorKind(endpoint, status, code, reason);
    const ra = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
    return new LatchGateError(kind, `${status} ${code ?? ''} ${reason ?? ''}`.trim(), {
      status, code, reason, retryAfter: Number.isNaN(ra) ? null : ra,
      mayHaveExecuted: kind === 'OutcomeUnknown' || (endpoint === 'EXEC' && status === 422),
    });
  }

  async #send(method, path, headers, body, timeoutMs, endpoint) {
    let res;
    try {
      res = await fetch(this.#base + path, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      return { res, text: await res.text() };
    } catch (e) {
      if (e instanceof LatchGateError) throw e;
      const cause = e.cause?.code ?? e.name;
      const unsent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT'].includes(cause) || /bad port/.test(e.cause?.message);
      const sent = !unsent;
      throw new LatchGateError('TransportError', `${method} ${path}: ${cause}`, {
        status: res?.status ?? null, sent, mayHaveExecuted: sent && endpoint === 'EXEC',
      });
    }
  }
}

/** A DPoP proof for one request: fresh jti, upper-case htm, normalised htu, ath over the token. */
function proof(lease, method, htu) {
  const header = b64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: lease.jwk }));
  const payload = b64url(JSON.stringify({
    jti: randomUUID(), htm: method.toUpperCase(), htu, iat: Math.floor(Date.now() / 1000), ath: b64url(sha256(lease.jwt)),
  }));
  const input = `${header}.${payload}`;
  const sig = sign('sha256', Buffer.from(input), { key: lease.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}
