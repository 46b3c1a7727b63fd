// Runs Lighthouse (pinned in package.json) on the pages listed in a JSON file and checks that every
// category scores 100. Called by run.sh, which starts the shop and seeds it:
//
//   node audit.mjs PAGES.json OUT_DIR
//
// PAGES.json: [{"name": "home", "url": "http://127.0.0.1:1234/", "session": "<cookie value>"?}, …]
// A page with a `session` is audited signed in: the cookie goes into the browser's cookie jar, as
// after signing in, so the page's own fetch() calls carry it too (Lighthouse's --extra-headers
// Cookie reaches the document but not the order page's polling, which then logs a 401).
//
// Each page gets a fresh Chromium (CHROME_PATH, Debian's /usr/bin/chromium) with a fresh profile,
// launched the way the Lighthouse CLI does it; Lighthouse's defaults otherwise (mobile, simulated
// throttling). Writes OUT_DIR/<name>.report.json and .report.html, prints a table of the scores and
// exits 1 unless every score is 100, listing the audits that cost points.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const SHORT = {performance: 'perf', accessibility: 'a11y', 'best-practices': 'best-pr', seo: 'seo'};

const [pagesFile, outDir] = process.argv.slice(2);
if (!pagesFile || !outDir) {
  console.error('usage: node audit.mjs PAGES.json OUT_DIR');
  process.exit(2);
}
const pages = JSON.parse(await fs.readFile(pagesFile, 'utf8'));
await fs.mkdir(outDir, {recursive: true});

async function audit(spec) {
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox'],
    logLevel: 'silent',
  });
  let browser;
  try {
    browser = await puppeteer.connect({
      browserURL: `http://127.0.0.1:${chrome.port}`,
      defaultViewport: null,
    });
    if (spec.session) {
      const {hostname} = new URL(spec.url);
      await browser.setCookie({
        name: 'session', value: spec.session, domain: hostname, path: '/',
        httpOnly: true, sameSite: 'Lax',
      });
    }
    const page = await browser.newPage();
    const result = await lighthouse(spec.url, {
      output: ['json', 'html'],
      logLevel: 'error',
      onlyCategories: CATEGORIES,
      enableErrorReporting: false,
    }, undefined, page);
    if (!result) throw new Error('Lighthouse returned no result');
    const [json, html] = result.report;
    await fs.writeFile(path.join(outDir, `${spec.name}.report.json`), json);
    await fs.writeFile(path.join(outDir, `${spec.name}.report.html`), html);
    return result.lhr;
  } finally {
    await browser?.disconnect().catch(() => {});
    chrome.kill();
  }
}

const problems = [];
const rows = [];
let chromeVersion = '';
for (const spec of pages) {
  const started = Date.now();
  let lhr;
  try {
    lhr = await audit(spec);
  } catch (error) {
    problems.push(`${spec.name}: Lighthouse failed: ${error.stack || error}`);
    rows.push({name: spec.name, scores: CATEGORIES.map(() => 'ERR'), secs: (Date.now() - started) / 1000});
    continue;
  }
  chromeVersion ||= lhr.environment?.hostUserAgent?.match(/Chrome\/[\d.]+/)?.[0] ?? '';
  rows.push({
    name: spec.name,
    scores: CATEGORIES.map((id) => {
      const score = lhr.categories[id]?.score;
      return score == null ? 'n/a' : String(Math.round(score * 100));
    }),
    secs: (Date.now() - started) / 1000,
  });

  if (lhr.runtimeError) problems.push(`${spec.name}: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
  for (const warning of lhr.runWarnings ?? []) problems.push(`${spec.name}: run warning: ${warning}`);
  // A signed-in page that bounced to the sign-in form would score, but not the page we meant.
  if (lhr.finalDisplayedUrl !== spec.url) {
    problems.push(`${spec.name}: asked for ${spec.url}, Lighthouse ended on ${lhr.finalDisplayedUrl}`);
  }
  // CI has no internet: a page that loads anything from off this machine cannot be scored reliably.
  const offMachine = (lhr.audits['network-requests']?.details?.items ?? [])
    .map((item) => item.url)
    .filter((url) => /^(https?|wss?):/.test(url) && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname));
  for (const url of offMachine) problems.push(`${spec.name}: requested ${url}, which is not on this machine`);

  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    if (!category || category.score === 1) continue;
    problems.push(`${spec.name}: ${id} ${Math.round(category.score * 100)}, because of:`);
    for (const ref of category.auditRefs) {
      const a = lhr.audits[ref.id];
      if (ref.weight === 0 || a.score === null || a.score === 1) continue;
      const value = a.displayValue ? ` (${a.displayValue})` : '';
      problems.push(`    ${ref.id}  score ${a.score}, weight ${ref.weight}: ${a.title}${value}`);
      for (const item of (a.details?.items ?? []).slice(0, 5)) {
        const where = item.node?.snippet || item.node?.selector || item.url || item.sourceLocation?.url || item.source || '';
        const what = item.node?.explanation || item.description || '';
        problems.push(`        ${String(where).slice(0, 160)}${what ? `  ${String(what).replace(/\s+/g, ' ').slice(0, 240)}` : ''}`);
      }
    }
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`Lighthouse ${JSON.parse(await fs.readFile(new URL('./node_modules/lighthouse/package.json', import.meta.url), 'utf8')).version}, ${chromeVersion}, mobile (Lighthouse's default), reports in ${outDir}`);
console.log(`${pad('page', 10)}${CATEGORIES.map((c) => pad(SHORT[c], 9)).join('')}secs`);
for (const row of rows) console.log(`${pad(row.name, 10)}${row.scores.map((s) => pad(s, 9)).join('')}${row.secs.toFixed(1)}`);
if (problems.length) {
  console.log('\nLighthouse check FAILED:');
  for (const line of problems) console.log(line);
  process.exit(1);
}
console.log('Lighthouse check passed: every page scores 100 in every category.');
