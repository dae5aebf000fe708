// A JSON-lines oracle over stdin/stdout that runs the REAL @auth0/nextjs-auth0 v4
// cookie code (no Next.js installed): one JSON request per line in, one JSON
// response per line out, `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.
// Requests are served strictly in order. See README.md for the operations.

import * as readline from "node:readline";

// Keep stdout for protocol lines only (the SDK warns with console.warn, which is
// stderr already; be safe about console.log/info too).
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

// The public testing entry, then the non-exported dist modules next to it.
const testingUrl = import.meta.resolve("@auth0/nextjs-auth0/testing");
const { generateSessionCookie } = await import(testingUrl);
const cookies = await import(new URL("../server/cookies.js", testingUrl).href);
const { StatelessSessionStore } = await import(
  new URL("../server/session/stateless-session-store.js", testingUrl).href
);
const { TransactionStore } = await import(new URL("../server/transaction-store.js", testingUrl).href);
const { RequestCookies, ResponseCookies } = cookies;
const pkgVersion = (
  await import(new URL("../../package.json", testingUrl).href, { with: { type: "json" } })
).default.version;

function requestCookies(cookieHeader) {
  const headers = new Headers();
  if (cookieHeader) headers.set("cookie", cookieHeader);
  return new RequestCookies(headers);
}

function responseJar() {
  const headers = new Headers();
  return { headers, jar: new ResponseCookies(headers) };
}

function need(req, ...names) {
  for (const name of names) {
    if (req[name] === undefined || req[name] === null) throw new Error(`missing field "${name}"`);
  }
}

function sessionStore(req) {
  return new StatelessSessionStore({ ...(req.options ?? {}), secret: req.secret });
}

function transactionStore(req) {
  return new TransactionStore({ ...(req.options ?? {}), secret: req.secret });
}

const ops = {
  async ping() {
    return { pong: true, nextjsAuth0: pkgVersion, node: process.version };
  },

  // nextjs `encrypt(payload, secret, exp, additionalHeaders?)` -> compact JWE
  async encrypt(req) {
    need(req, "payload", "secret", "exp");
    return cookies.encrypt(req.payload, req.secret, req.exp, req.additionalHeaders);
  },

  // nextjs `decrypt(value, secret)` -> payload (or {payload, protectedHeader} with full) | null
  async decrypt(req) {
    need(req, "value", "secret");
    const out = await cookies.decrypt(req.value, req.secret);
    if (!out) return null;
    return req.full ? { payload: out.payload, protectedHeader: out.protectedHeader } : out.payload;
  },

  async generateSessionCookie(req) {
    need(req, "session", "secret");
    return generateSessionCookie(req.session, { secret: req.secret });
  },

  // StatelessSessionStore#get over a whole Cookie header
  async storeGet(req) {
    need(req, "secret");
    return (await sessionStore(req).get(requestCookies(req.cookieHeader ?? ""))) ?? null;
  },

  // StatelessSessionStore#set -> the exact Set-Cookie lines
  async storeSet(req) {
    need(req, "session", "secret");
    const { headers, jar } = responseJar();
    await sessionStore(req).set(requestCookies(req.cookieHeader ?? ""), jar, req.session);
    return headers.getSetCookie();
  },

  // StatelessSessionStore#delete -> the exact Set-Cookie lines
  async storeDelete(req) {
    need(req, "secret");
    const { headers, jar } = responseJar();
    await sessionStore(req).delete(requestCookies(req.cookieHeader ?? ""), jar);
    return headers.getSetCookie();
  },

  // TransactionStore#save -> Set-Cookie lines. cookieHeader (optional) enables FIFO eviction
  // exactly as the SDK's save(resCookies, state, reqCookies) does.
  async txnSave(req) {
    need(req, "transaction", "secret");
    const { headers, jar } = responseJar();
    const reqCookies = req.cookieHeader == null ? undefined : requestCookies(req.cookieHeader);
    await transactionStore(req).save(jar, req.transaction, reqCookies);
    return headers.getSetCookie();
  },

  // TransactionStore#get -> payload | null
  async txnGet(req) {
    need(req, "state", "secret");
    const out = await transactionStore(req).get(requestCookies(req.cookieHeader ?? ""), req.state);
    return out ? out.payload : null;
  },

  async txnDelete(req) {
    need(req, "state", "secret");
    const { headers, jar } = responseJar();
    await transactionStore(req).delete(jar, req.state);
    return headers.getSetCookie();
  },

  async txnDeleteAll(req) {
    need(req, "secret");
    const { headers, jar } = responseJar();
    await transactionStore(req).deleteAll(requestCookies(req.cookieHeader ?? ""), jar);
    return headers.getSetCookie();
  },
};

const RealDate = Date;

// Freeze both `Date.now()` and argument-less `new Date()` (jose uses the latter).
function freezeClock(ms) {
  globalThis.Date = class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(ms);
      else super(...args);
    }

    static now() {
      return ms;
    }
  };
}

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `bad JSON: ${err.message}` };
  }
  const fn = req && typeof req === "object" ? ops[req.op] : undefined;
  if (!fn) return { ok: false, error: `unknown op ${JSON.stringify(req?.op)}` };
  // Optional frozen clock: `now` in epoch seconds (float ok) for the duration of one op.
  if (typeof req.now === "number") freezeClock(req.now * 1000);
  try {
    const result = await fn(req);
    return { ok: true, result: result === undefined ? null : result };
  } catch (err) {
    return { ok: false, error: `${err?.name ?? "Error"}: ${err?.message ?? String(err)}` };
  } finally {
    globalThis.Date = RealDate;
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const response = await handle(line);
  process.stdout.write(`${JSON.stringify(response)}\n`);
}
