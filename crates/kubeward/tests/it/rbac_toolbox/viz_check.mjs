// Opens the page of `kubeward rbac viz` in headless Chromium through playwright-core, checks that
// the graph renders, searches for a subject, and saves a screenshot.
// Usage: node viz_check.mjs PLAYWRIGHT_CORE_INDEX_MJS CHROMIUM PAGE_HTML SEARCH SCREENSHOT_PNG PROFILE_DIR
// Prints one JSON object: {subjects, bindings, roles, matches: [labels], status, and the subject
// counts with and without the built-in objects}.
import { pathToFileURL } from "node:url";

const [playwrightPath, chromiumPath, pagePath, search, screenshotPath, profileDir] = process.argv.slice(2);
const { chromium } = await import(pathToFileURL(playwrightPath).href);

const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: chromiumPath,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1400, height: 900 },
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const remote = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:")) remote.push(r.url()); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(pagePath).href);
  await page.waitForSelector("body[data-rendered=true]", { timeout: 10000 });
  const count = (selector) => page.locator(selector).count();
  const before = {
    subjects: await count("g.node.subject"),
    bindings: await count("g.node.binding"),
    roles: await count("g.node.role"),
    edges: await count("path.edge"),
  };
  await page.fill("#search", search);
  await page.waitForSelector("g.node.subject.match", { timeout: 10000 });
  const matches = await page.locator("g.node.subject.match text").allTextContents();
  const dimmed = await count("g.node.dim");
  const status = await page.locator("#status").textContent();
  await page.screenshot({ path: screenshotPath, fullPage: false });
  // Filters: built-in objects shown, then hidden again, then every kind but ServiceAccount.
  await page.fill("#search", "");
  const builtinShownAtFirst = await page.isChecked("#builtin");
  await page.check("#builtin");
  const withBuiltin = await count("g.node.subject");
  const systemShown = await page.locator("g.node.subject text", { hasText: "system:" }).count();
  await page.uncheck("#builtin");
  const withoutBuiltin = await count("g.node.subject");
  await page.uncheck(".kind[value=User]");
  await page.uncheck(".kind[value=Group]");
  const kinds = await page.locator("g.node.subject").evaluateAll(
    (nodes) => [...new Set(nodes.map((n) => n.getAttribute("data-id").split("/")[0]))]);
  console.log(JSON.stringify({ ...before, matches, dimmed, status, errors, remote, builtinShownAtFirst, withBuiltin, withoutBuiltin, systemShown, kinds }));
} finally {
  await context.close();
}
