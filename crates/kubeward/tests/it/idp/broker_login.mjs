// Brokered login with software we did not write: npm openid-client v6 as the relying party of
// `kubeward idp serve`, whose login page headless Chromium (playwright-core) leaves through the
// "Corp" link for the upstream npm oidc-provider (its own login and consent pages), and back.
// Then the user's groups change upstream (USERS_FILE is what the upstream reads) and kubeward's
// refresh shows it. Prints one JSON line of what it saw.
// Environment: ISSUER, NODE_EXTRA_CA_CERTS (kubeward's CA), PROFILE_DIR, UPSTREAM, USERS_FILE.
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import * as client from '../../../../../testpeers/node_modules/openid-client/build/index.js';
import { chromium } from '../../../../../testpeers/node_modules/playwright-core/index.mjs';

const { ISSUER, PROFILE_DIR, UPSTREAM, USERS_FILE } = process.env;

let onCallback;
const server = http.createServer((req, res) => {
  res.end('ok');
  if (req.url.startsWith('/callback') && onCallback) onCallback(new URL(req.url, redirectBase));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const redirectBase = `http://127.0.0.1:${server.address().port}`;
const redirectUri = `${redirectBase}/callback`;
const nextCallback = () => new Promise((resolve) => { onCallback = resolve; });

const config = await client.discovery(new URL(ISSUER), 'kubelogin', undefined, client.None());

async function authorization(extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  return {
    verifier, state, nonce,
    url: client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    }),
  };
}

const setGroups = (groups) => {
  const users = JSON.parse(readFileSync(USERS_FILE, 'utf8'));
  if (groups === null) delete users.ann;
  else users.ann.claims.groups = groups;
  writeFileSync(USERS_FILE, JSON.stringify(users));
};

const launch = (dir) => chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const result = {};
// Never hang: after 90 s print what was seen so far, and where it stopped.
let step = 'start';
setTimeout(() => {
  console.log(JSON.stringify({ ...result, timedOutAt: step, pageUrl: page?.url() }));
  process.exit(1);
}, 90000).unref();
const context = await launch(PROFILE_DIR);
let page;
try {
  page = await context.newPage();
  const first = await authorization();
  step = 'kubeward login page';
  await page.goto(first.url.href);
  const link = page.locator('#social-corp');
  result.linkText = (await link.textContent()).trim();
  await Promise.all([page.waitForURL((u) => u.href.startsWith(UPSTREAM)), link.click()]);
  result.upstreamTitle = await page.title();
  step = 'upstream login page';
  await page.locator('input[name=login]').fill('ann');
  await page.locator('input[name=password]').fill('whatever');
  await page.click('button.login-submit');
  step = 'upstream consent page';
  // The consent form (the login form's button has the same class).
  await page.locator('input[name=prompt][value=consent]').waitFor({ state: 'attached' });
  const callback = nextCallback();
  await page.click('button.login-submit');
  step = 'the way back to the client';
  const callbackUrl = await callback;
  step = 'tokens';
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: first.verifier,
    expectedState: first.state,
    expectedNonce: first.nonce,
  });
  result.claims = tokens.claims();
  result.userinfo = await client.fetchUserInfo(config, tokens.access_token, result.claims.sub);

  // Upstream, ann leaves the sre group: the next refresh at kubeward says so.
  step = 'refreshes';
  setGroups(['staff']);
  const left = await client.refreshTokenGrant(config, tokens.refresh_token);
  result.afterLeaving = left.claims().groups ?? [];
  setGroups(['staff', 'sre']);
  const back = await client.refreshTokenGrant(config, left.refresh_token);
  result.afterReturning = back.claims().groups ?? [];
  // Upstream, ann is gone: kubeward's refresh is refused.
  setGroups(null);
  try {
    await client.refreshTokenGrant(config, back.refresh_token);
    result.goneUpstream = 'refreshed';
  } catch (e) {
    result.goneUpstream = `${e.error}: ${e.error_description}`;
  }
} catch (e) {
  result.failedAt = step;
  result.error = String(e);
  result.pageUrl = page?.url();
  result.page = await page?.content().catch(() => '');
  console.log(JSON.stringify(result));
  process.exit(1);
} finally {
  await context.close();
}

// kc_idp_hint in a browser without cookies: straight to the upstream, no kubeward login page.
step = 'kc_idp_hint';
const fresh = await launch(`${PROFILE_DIR}-hint`);
try {
  const page = await fresh.newPage();
  const hinted = await authorization({ kc_idp_hint: 'corp' });
  await page.goto(hinted.url.href);
  await page.waitForURL((u) => u.href.startsWith(UPSTREAM));
  result.hintLandedUpstream = true;
} finally {
  await fresh.close();
  server.close();
}
console.log(JSON.stringify(result));
