// Times the real @auth0/nextjs-auth0 v4 cookie read in Node (pinned by bench/package-lock.json).
//
// stdin: {"secret": "...", "rounds": 15, "batchMs": 20, "maxMs": 5000,
//         "cases": {"<label>": {"value": "<JWE>", "cookieHeader": "<Cookie header>"}}}
// stdout: {"nextjsAuth0": "4.30.0", "node": "v20...",
//          "results": {"<label>": {"decrypt": <median s/call>, "storeGet": <median s/call>}}}
//
// `decrypt` is the SDK's own `decrypt(value, secret)` (HKDF + jose jwtDecrypt, as every read
// does); `storeGet` is `StatelessSessionStore.get(requestCookies)`: the whole read of a request
// (cookie lookup, chunk joining, decrypt). Each is awaited one call at a time, in batches of
// about `batchMs`; the median of `rounds` batches is reported. Bounded by `maxMs` per case.

const testingUrl = import.meta.resolve("@auth0/nextjs-auth0/testing");
const cookies = await import(new URL("../server/cookies.js", testingUrl).href);
const { StatelessSessionStore } = await import(
  new URL("../server/session/stateless-session-store.js", testingUrl).href
);
const pkgVersion = (
  await import(new URL("../../package.json", testingUrl).href, { with: { type: "json" } })
).default.version;

// Keep stdout for the one JSON result line.
console.log = (...args) => console.error(...args);

async function readStdin() {
  const parts = [];
  for await (const chunk of process.stdin) parts.push(chunk);
  return JSON.parse(Buffer.concat(parts).toString("utf8"));
}

async function median(fn, rounds, batchMs, maxMs) {
  await fn();
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 20) {
    await fn();
    calls += 1;
  }
  const perCall = (performance.now() - t0) / calls;
  const number = Math.max(1, Math.floor(batchMs / perCall));
  const samples = [];
  const deadline = performance.now() + maxMs;
  for (let r = 0; r < rounds; r += 1) {
    const start = performance.now();
    for (let i = 0; i < number; i += 1) await fn();
    samples.push((performance.now() - start) / number / 1000);
    if (performance.now() > deadline) break;
  }
  samples.sort((a, b) => a - b);
  const mid = Math.floor(samples.length / 2);
  return samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
}

const req = await readStdin();
const rounds = req.rounds ?? 15;
const batchMs = req.batchMs ?? 20;
const maxMs = req.maxMs ?? 5000;
const store = new StatelessSessionStore({ secret: req.secret });
const results = {};
for (const [label, c] of Object.entries(req.cases)) {
  const decrypted = await cookies.decrypt(c.value, req.secret);
  if (!decrypted) throw new Error(`nextjs-auth0 could not decrypt the ${label} cookie`);
  const jar = () => {
    const headers = new Headers({ cookie: c.cookieHeader });
    return new cookies.RequestCookies(headers);
  };
  if (!(await store.get(jar()))) throw new Error(`nextjs-auth0 read no session from ${label}`);
  results[label] = {
    decrypt: await median(() => cookies.decrypt(c.value, req.secret), rounds, batchMs, maxMs),
    storeGet: await median(() => store.get(jar()), rounds, batchMs, maxMs),
  };
}
process.stdout.write(
  `${JSON.stringify({ nextjsAuth0: pkgVersion, node: process.version, results })}\n`
);
