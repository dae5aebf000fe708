// An Auth0-like test tenant built on the real, certified `oidc-provider` (npm).
//
//   node op.mjs --port N [--config path.json]
//
// Prints exactly one line `READY http://127.0.0.1:N` on stdout once it listens
// (everything else goes to stderr) and exits 0 on SIGTERM/SIGINT. Binds
// 127.0.0.1 only. The config file is described in README.md; every field is
// optional.
//
// Test-only control endpoints (not part of any spec; never expose them):
//   GET  /__test/grants             token-endpoint counters (see README.md)
//   POST /__test/grants/reset       zero the counters
//   POST /__test/rotate-keys        swap the signing keystore at runtime
//   POST /__test/backchannel-logout {client_id, sub, sid} -> Client#backchannelLogout

import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { parseArgs } from "node:util";

// oidc-provider prints "you SHOULD change it" notices with console.info (stdout).
// Keep stdout for the READY line only.
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

const { default: Provider, errors } = await import("oidc-provider");
// No `exports` map in oidc-provider, so its internal keystore initialiser can be
// imported; it is the same module instance the Provider uses.
const { default: initializeKeystore } = await import(
  "oidc-provider/lib/helpers/initialize_keystore.js"
);

const { values: argv } = parseArgs({
  options: {
    port: { type: "string" },
    config: { type: "string" },
  },
});
if (!argv.port || !/^\d+$/.test(argv.port) || Number(argv.port) === 0) {
  console.error("usage: node op.mjs --port N [--config path.json]");
  process.exit(2);
}
const port = Number(argv.port);
const issuer = `http://127.0.0.1:${port}`;
const cfg = argv.config ? JSON.parse(fs.readFileSync(argv.config, "utf8")) : {};

const DAY = 24 * 60 * 60;
const settings = {
  clients: cfg.clients ?? [],
  accessTokenTTL: cfg.accessTokenTTL ?? 3600,
  idTokenTTL: cfg.idTokenTTL ?? 3600,
  refreshTokenTTL: cfg.refreshTokenTTL ?? 14 * DAY,
  authorizationCodeTTL: cfg.authorizationCodeTTL ?? 60,
  sessionTTL: cfg.sessionTTL ?? 14 * DAY,
  interactionTTL: cfg.interactionTTL ?? 3600,
  cookieKeys: cfg.cookieKeys ?? ["auth0-async-test-peers-cookie-key-0"],
  offlineAccessPrompt: cfg.offlineAccessPrompt ?? true,
  rotateRefreshToken: cfg.rotateRefreshToken ?? true,
  resourceServers: cfg.resourceServers ?? {},
  defaultResource: cfg.defaultResource ?? null,
  users: cfg.users ?? {},
  updatedAt: cfg.updatedAt ?? "2026-01-01T00:00:00.000Z",
  alwaysIncludeSid: cfg.alwaysIncludeSid ?? true,
  idTokenSigningAlgValues: cfg.idTokenSigningAlgValues ?? null,
};

// ---------------------------------------------------------------- signing keys

function generateJwks() {
  const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const tag = () => crypto.randomBytes(6).toString("hex");
  return {
    keys: [
      { ...rsa.privateKey.export({ format: "jwk" }), kid: `rs256-${tag()}`, alg: "RS256", use: "sig" },
      { ...ec.privateKey.export({ format: "jwk" }), kid: `es256-${tag()}`, alg: "ES256", use: "sig" },
    ],
  };
}

let privateJwks = cfg.jwks ?? generateJwks();

// ------------------------------------------------------------------ accounts

function claimsFor(sub) {
  return {
    sub,
    name: `Test User ${sub}`,
    nickname: sub,
    picture: `https://example.test/avatars/${encodeURIComponent(sub)}.png`,
    email: `${sub}@example.test`,
    email_verified: true,
    updated_at: settings.updatedAt,
    ...(settings.users[sub] ?? {}),
    // sub is always what was typed at the login prompt
  };
}

// ---------------------------------------------------------------- the provider

const provider = new Provider(issuer, {
  clients: settings.clients,
  clientDefaults: {
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    id_token_signed_response_alg: "RS256",
    token_endpoint_auth_method: "client_secret_basic",
    backchannel_logout_session_required: true,
  },
  jwks: privateJwks,
  // Only when asked (e.g. to add HS256): otherwise oidc-provider's own defaults.
  ...(settings.idTokenSigningAlgValues
    ? { enabledJWA: { idTokenSigningAlgValues: settings.idTokenSigningAlgValues } }
    : {}),
  cookies: { keys: settings.cookieKeys },
  scopes: ["openid", "profile", "email", "offline_access"],
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ["sub"],
    profile: ["name", "nickname", "picture", "updated_at"],
    email: ["email", "email_verified"],
  },
  conformIdTokenClaims: false,
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return claimsFor(sub);
      },
    };
  },
  pkce: { required: () => true },
  rotateRefreshToken: () => settings.rotateRefreshToken,
  ttl: {
    AccessToken: () => settings.accessTokenTTL,
    ClientCredentials: () => settings.accessTokenTTL,
    IdToken: () => settings.idTokenTTL,
    RefreshToken: () => settings.refreshTokenTTL,
    AuthorizationCode: () => settings.authorizationCodeTTL,
    Session: () => settings.sessionTTL,
    Interaction: () => settings.interactionTTL,
    Grant: () => Math.max(settings.refreshTokenTTL, settings.sessionTTL),
  },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true, allowedPolicy: async () => true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      async defaultResource(_ctx, _client, oneOf) {
        return oneOf ?? settings.defaultResource ?? undefined;
      },
      // the Auth0 SDK never sends `resource` to the token endpoint
      async useGrantedResource() {
        return true;
      },
      async getResourceServerInfo(_ctx, resourceIndicator) {
        const rs = settings.resourceServers[resourceIndicator];
        if (!rs) throw new errors.InvalidTarget();
        return {
          scope: rs.scope ?? "",
          audience: resourceIndicator,
          accessTokenTTL: rs.accessTokenTTL ?? settings.accessTokenTTL,
          accessTokenFormat: rs.accessTokenFormat ?? "jwt",
          jwt: { sign: { alg: "RS256" } },
        };
      },
    },
  },
  // oidc-provider's own fetch refuses special-use addresses (SSRF guard), which
  // includes 127.0.0.0/8. Drop its dispatcher so back-channel logout can reach
  // the app under test on loopback. The 2.5 s AbortSignal timeout stays.
  fetch(url, options) {
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><h1>oops! something went wrong</h1><pre>${JSON.stringify(out).replace(/</g, "&lt;")}</pre></body></html>`;
  },
});

// Auth0 puts `sid` in every ID token; oidc-provider only does so for clients with
// a back-channel logout URI that require the session (Client#includeSid).
if (settings.alwaysIncludeSid) {
  provider.Client.prototype.includeSid = function includeSid() {
    return true;
  };
}

// ----------------------------------------------------------- token counters

const counters = { events: [] };

function basicClientId(ctx) {
  const header = ctx.get("authorization");
  if (!header || !/^basic /i.test(header)) return undefined;
  try {
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const idx = decoded.indexOf(":");
    return decodeURIComponent(idx === -1 ? decoded : decoded.slice(0, idx));
  } catch {
    return undefined;
  }
}

function recordTokenRequest(ctx) {
  let params;
  let client;
  try {
    params = ctx.oidc?.params;
    client = ctx.oidc?.client;
  } catch {
    params = undefined;
  }
  const grantType = params?.grant_type ?? "unknown";
  const clientId = client?.clientId ?? params?.client_id ?? basicClientId(ctx) ?? "unknown";
  const ok = ctx.status >= 200 && ctx.status < 300;
  let error;
  if (!ok) {
    const body = ctx.body;
    error = body && typeof body === "object" && "error" in body ? body.error : `http_${ctx.status}`;
  }
  counters.events.push({
    grant_type: grantType,
    client_id: clientId,
    ok,
    status: ctx.status,
    ...(error ? { error } : {}),
    at: Date.now() / 1000,
  });
}

function summarize() {
  const byGrant = {};
  const byClient = {};
  for (const e of counters.events) {
    const bump = (bucket) => {
      bucket[e.grant_type] ??= { success: 0, failure: 0, total: 0 };
      bucket[e.grant_type][e.ok ? "success" : "failure"] += 1;
      bucket[e.grant_type].total += 1;
    };
    bump(byGrant);
    byClient[e.client_id] ??= {};
    bump(byClient[e.client_id]);
  }
  const zero = { success: 0, failure: 0, total: 0 };
  return {
    refresh_token: byGrant.refresh_token ?? zero,
    authorization_code: byGrant.authorization_code ?? zero,
    by_grant_type: byGrant,
    by_client: byClient,
    events: counters.events,
  };
}

// ------------------------------------------------------------- test control

async function readJson(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

function publicJwks() {
  return {
    keys: privateJwks.keys.map(({ d, p, q, dp, dq, qi, oth, ...pub }) => pub),
  };
}

async function testControl(ctx) {
  const route = `${ctx.method} ${ctx.path}`;
  switch (route) {
    case "GET /__test/grants":
      ctx.body = summarize();
      return;
    case "POST /__test/grants/reset":
      counters.events = [];
      ctx.body = { ok: true };
      return;
    case "POST /__test/rotate-keys": {
      const body = await readJson(ctx);
      const fresh = body.jwks ?? generateJwks();
      const retain = body.retain_previous ?? true;
      const next = { keys: [...fresh.keys, ...(retain ? privateJwks.keys : [])] };
      // dedupe by kid, first wins (a caller may pass the current keys back)
      const seen = new Set();
      next.keys = next.keys.filter((k) => (k.kid && seen.has(k.kid) ? false : (seen.add(k.kid), true)));
      initializeKeystore.call(provider, structuredClone(next));
      privateJwks = next;
      ctx.body = { ok: true, kids: next.keys.map((k) => k.kid), jwks: publicJwks() };
      return;
    }
    case "POST /__test/backchannel-logout": {
      const { client_id: clientId, sub, sid } = await readJson(ctx);
      const client = await provider.Client.find(String(clientId));
      if (!client) {
        ctx.status = 404;
        ctx.body = { ok: false, error: `unknown client ${clientId}` };
        return;
      }
      if (!client.backchannelLogoutUri) {
        ctx.status = 400;
        ctx.body = { ok: false, error: `client ${clientId} has no backchannel_logout_uri` };
        return;
      }
      try {
        await client.backchannelLogout(sub, sid);
        ctx.body = { ok: true };
      } catch (err) {
        ctx.status = 502;
        ctx.body = { ok: false, error: String(err?.message ?? err) };
      }
      return;
    }
    default:
      ctx.status = 404;
      ctx.body = { ok: false, error: `no test route ${route}` };
  }
}

// ------------------------------------------------------------- middleware

function needsConsent(params) {
  const scope = typeof params.scope === "string" ? params.scope.split(" ") : [];
  if (!scope.includes("offline_access")) return false;
  const prompt = typeof params.prompt === "string" ? params.prompt.split(" ").filter(Boolean) : [];
  return !prompt.includes("consent") && !prompt.includes("none");
}

// Auth0-style authorization params -> what oidc-provider understands.
function adjustAuthorizationParams(params) {
  let changed = false;
  if (settings.offlineAccessPrompt && needsConsent(params)) {
    params.prompt = params.prompt ? `${params.prompt} consent` : "consent";
    changed = true;
  }
  if (
    typeof params.audience === "string" &&
    params.resource === undefined &&
    Object.hasOwn(settings.resourceServers, params.audience)
  ) {
    params.resource = params.audience;
    changed = true;
  }
  return changed;
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith("/__test/")) {
    await testControl(ctx);
    return;
  }

  if (ctx.path === "/auth" && ctx.method === "GET") {
    const query = { ...ctx.query };
    if (adjustAuthorizationParams(query)) ctx.query = query;
  } else if (
    (ctx.path === "/request" || ctx.path === "/auth") &&
    ctx.method === "POST" &&
    ctx.is("application/x-www-form-urlencoded")
  ) {
    // oidc-provider falls back to ctx.request.body when the stream was consumed
    // (and warns once about it).
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const params = {};
    for (const key of new Set(form.keys())) {
      const all = form.getAll(key);
      params[key] = all.length === 1 ? all[0] : all;
    }
    adjustAuthorizationParams(params);
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      for (const item of Array.isArray(v) ? v : [v]) out.append(k, item);
    }
    ctx.request.body = out.toString();
  }

  if (ctx.path === "/token" && ctx.method === "POST") {
    try {
      await next();
    } finally {
      recordTokenRequest(ctx);
    }
    return;
  }

  await next();
});

provider.on("server_error", (_ctx, err) => {
  console.error("oidc-provider server_error:", err);
});
provider.on("backchannel.error", (_ctx, err, client) => {
  console.error(`backchannel logout to ${client?.clientId} failed:`, err?.message ?? err);
});

// ------------------------------------------------------------------- serve

const server = http.createServer(provider.callback());
server.keepAliveTimeout = 5000;

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

// Static clients are validated lazily by oidc-provider; fail at start instead.
for (const metadata of settings.clients) {
  try {
    const client = await provider.Client.find(String(metadata.client_id));
    if (!client) throw new Error("not found after registration");
  } catch (err) {
    console.error(`op.mjs: invalid client ${JSON.stringify(metadata.client_id)}:`, err?.message ?? err, err?.error_description ?? "");
    process.exit(1);
  }
}

server.on("error", (err) => {
  console.error(`op.mjs: cannot listen on 127.0.0.1:${port}:`, err.message);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`READY ${issuer}\n`);
});
