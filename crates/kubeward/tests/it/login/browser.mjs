// The "browser" of the `kubeward login` tests: run as `--browser-command` (`COMMAND URL`), it
// opens the URL in Debian's headless Chromium through npm playwright-core, signs in on the
// provider's login page (oidc-provider's, or Keycloak's as `kubeward idp` serves it), consents,
// and stops on the plugin's success or error page.
//
// Environment: BROWSER_MODE = login (default) | deny (cancel on the login page) | wrong-nonce
// (sends a forged nonce to the provider); BROWSER_USER (default alice); BROWSER_PASSWORD (for
// Keycloak's login page of `kubeward idp`; oidc-provider's accepts any); BROWSER_IDP (an
// identity provider's alias: on Keycloak's login page, follow its "Sign in with" link instead
// of typing a password, then sign in at that upstream provider as BROWSER_USER).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const peers = new URL('../../../../../testpeers/node_modules/', import.meta.url);
const { chromium } = await import(new URL('playwright-core/index.mjs', peers).href);

const start = process.argv[2];
const mode = process.env.BROWSER_MODE || 'login';
const user = process.env.BROWSER_USER || 'alice';
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeward-chromium-'));
const say = (line) => process.stderr.write(`browser: ${line}\n`);

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // Only this machine: the provider's pages import web fonts that must not be fetched.
  await context.route(/.*/, (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  await context.addInitScript(() => { window.close = () => {}; });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);

  let target = start;
  if (mode === 'wrong-nonce') {
    const index = await fetch(start, { redirect: 'manual' });
    const authorization = new URL(index.headers.get('location'));
    authorization.searchParams.set('nonce', 'forged-nonce');
    target = authorization.href;
  }
  await page.goto(target, { waitUntil: 'domcontentloaded' });
  for (let step = 0; step < 12; step += 1) {
    const text = (await page.textContent('body')) || '';
    if (/You have logged in to the cluster|authorization error|Sign-in Success|Sign-in Failure/.test(text)) {
      say(text.replace(/\s+/g, ' ').trim());
      break;
    }
    const submit = async (selector) => {
      await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.click(selector)]);
    };
    const idp = process.env.BROWSER_IDP;
    if (idp && await page.$(`#social-${idp}`)) {
      say(`signing in with ${((await page.textContent(`#social-${idp}`)) || '').trim()}`);
      await submit(`#social-${idp}`);
      continue;
    }
    if (await page.$('input[name=username]')) {
      // Keycloak's login page, as `kubeward idp` serves it.
      await page.fill('input[name=username]', user);
      await page.fill('input[name=password]', process.env.BROWSER_PASSWORD || 'any-password');
      await submit('#kc-login');
      continue;
    }
    if (await page.$('input[name=login]')) {
      if (mode === 'deny') {
        say('cancelling on the login page');
        await submit('a[href*="abort"]');
        continue;
      }
      await page.fill('input[name=login]', user);
      await page.fill('input[name=password]', 'any-password');
      await submit('button[type=submit]');
      continue;
    }
    if (await page.$('button[type=submit]:not([name=abort])')) {
      await submit('button[type=submit]:not([name=abort])');
      continue;
    }
    await page.waitForTimeout(200);
  }
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
