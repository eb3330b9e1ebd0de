#!/usr/bin/env node
// OIDC load figure of the API server (issue 5, section 4): N distinct ID tokens presented from
// 32 HTTP/2 connections against `kubeward up` (release build) trusting an OIDC issuer.
//
// Starts a minimal HTTPS issuer (discovery + JWKS, a test CA made with openssl), signs N distinct
// RS256 ID tokens (one user each), starts `kubeward up --oidc-*` on a free port, waits until it
// has fetched the keys, then GETs /version (allowed to every authenticated user) once per token:
//   pass 1  the N tokens, uncached (every one is verified: signature, claims, mapping)
//   pass 2  the same N tokens again, within the 10-second result cache: cached
//   pass 3  N fresh tokens, uncached again
// and prints requests per second, latency percentiles and the rate of each tenth of the pass
// (a throughput cliff would show as a tenth far below the others). Node built-ins only.
//
//   cargo build --release -p kubeward
//   node scripts/oidc_token_load.mjs --tokens 1000 --connections 32
// (KUBEWARD_BINARY=path overrides target/release/kubeward.)

import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const BINARY = process.env.KUBEWARD_BINARY || path.join(ROOT, "target", "release", "kubeward");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const TOKENS = option("tokens", 1000);
const CONNECTIONS = option("connections", 32);

const b64url = (data) => Buffer.from(data).toString("base64url");

function certificates(dir) {
  const run = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=load test CA", "-days", "1",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", "issuer.key", "-out", "issuer.csr", "-subj", "/CN=127.0.0.1");
  fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
  run("x509", "-req", "-in", "issuer.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
    "-CAcreateserial", "-out", "issuer.crt", "-days", "1", "-extfile", "ext.cnf");
}

async function startIssuer(dir, jwk) {
  let issuer;
  const server = https.createServer({
    key: fs.readFileSync(path.join(dir, "issuer.key")),
    cert: fs.readFileSync(path.join(dir, "issuer.crt")),
  }, (req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`,
        id_token_signing_alg_values_supported: ["RS256"] }));
    } else if (req.url === "/jwks") {
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `https://127.0.0.1:${server.address().port}`;
  return { server, issuer };
}

function signer(privateKey, issuer, kid) {
  const header = b64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
  const now = Math.floor(Date.now() / 1000);
  return (sub) => {
    const payload = b64url(JSON.stringify({ iss: issuer, aud: "kubernetes", sub,
      iat: now, exp: now + 3600 }));
    const input = `${header}.${payload}`;
    return `${input}.${b64url(crypto.sign("sha256", Buffer.from(input), privateKey))}`;
  };
}

async function startServer(dir, issuer) {
  const child = spawn(BINARY, ["up", "--secure-port", "0", "--data-dir", path.join(dir, "data"),
    `--oidc-issuer-url=${issuer}`, "--oidc-client-id=kubernetes",
    `--oidc-ca-file=${path.join(dir, "ca.crt")}`, "--oidc-username-prefix=-"],
  { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, RUST_LOG: "warn" } });
  let url;
  for await (const line of readline.createInterface({ input: child.stdout })) {
    const m = line.match(/^API server: (\S+)/);
    if (m) url = m[1];
    if (line.trim() === "kubectl auth whoami") break;
  }
  if (!url) throw new Error("kubeward up did not start (build it: cargo build --release -p kubeward)");
  return { child, url, ca: fs.readFileSync(path.join(dir, "data", "pki", "ca.crt")) };
}

function request(session, token) {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": "/version", authorization: `Bearer ${token}` });
    let status = 0;
    stream.on("response", (headers) => { status = headers[":status"]; });
    stream.on("data", () => {});
    stream.on("end", () => resolve(status));
    stream.on("error", reject);
    stream.end();
  });
}

async function pass(sessions, tokens) {
  const latencies = new Array(tokens.length);
  const finished = [];
  const statuses = {};
  const start = process.hrtime.bigint();
  await Promise.all(sessions.map(async (session, c) => {
    for (let i = c; i < tokens.length; i += sessions.length) {
      const t0 = process.hrtime.bigint();
      const status = await request(session, tokens[i]);
      const t1 = process.hrtime.bigint();
      statuses[status] = (statuses[status] || 0) + 1;
      latencies[i] = Number(t1 - t0) / 1e6;
      finished.push(Number(t1 - start) / 1e9);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  // Rate of each tenth of the requests, in completion order.
  finished.sort((a, b) => a - b);
  const tenths = [];
  const step = Math.floor(finished.length / 10);
  for (let k = 0; k < 10; k++) {
    const from = k === 0 ? 0 : finished[k * step - 1];
    const to = finished[(k + 1) * step - 1];
    tenths.push(Math.round(step / Math.max(to - from, 1e-9)));
  }
  return { rps: tokens.length / seconds, seconds, p50: pct(0.5), p99: pct(0.99), statuses, tenths };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeward-oidc-load-"));
  let issuerServer;
  let kubeward;
  try {
    certificates(dir);
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: "jwk" }), kid: "load", alg: "RS256", use: "sig" };
    const started = await startIssuer(dir, jwk);
    issuerServer = started.server;
    const sign = signer(privateKey, started.issuer, "load");
    kubeward = await startServer(dir, started.issuer);

    const sessions = [];
    for (let c = 0; c < CONNECTIONS; c++) {
      sessions.push(http2.connect(kubeward.url, { ca: kubeward.ca }));
    }
    // Until the server has fetched the issuer's keys (a token outside the measured sets).
    const deadline = Date.now() + 30000;
    while ((await request(sessions[0], sign("warm-up"))) !== 200) {
      if (Date.now() > deadline) throw new Error("the server did not accept the issuer's tokens");
      await new Promise((r) => setTimeout(r, 200));
    }
    const first = Array.from({ length: TOKENS }, (_, i) => sign(`user-${i}`));
    const fresh = Array.from({ length: TOKENS }, (_, i) => sign(`other-${i}`));
    // Warm the connections with the warm-up token (cached after its first success).
    await pass(sessions, Array.from({ length: CONNECTIONS * 4 }, () => sign("warm-up")));

    const rows = [
      ["1: distinct tokens, uncached", await pass(sessions, first)],
      ["2: the same tokens, cached", await pass(sessions, first)],
      ["3: fresh tokens, uncached", await pass(sessions, fresh)],
    ];
    console.log(`${TOKENS} distinct RS256 ID tokens, ${CONNECTIONS} HTTP/2 connections, GET /version\n`);
    console.log("| pass | requests/s | p50 ms | p99 ms | statuses | requests/s of each tenth |");
    console.log("|---|---:|---:|---:|---|---|");
    for (const [name, r] of rows) {
      console.log(`| ${name} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${JSON.stringify(r.statuses)} | ${r.tenths.join(" ")} |`);
    }
    for (const s of sessions) s.close();
  } finally {
    if (kubeward) kubeward.child.kill("SIGKILL");
    if (issuerServer) issuerServer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
