// The desk in a real browser: Debian's Chromium driven by Playwright (playwright-core).
// Run by tests/ui.rs, which starts the server and passes its address and an editor's
// login in the environment; screenshots go to $SCREENSHOTS. Exits non-zero on the first
// failed check, naming it.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = process.env.ROUNDUP_BASE;
const user = process.env.ROUNDUP_USER;
const password = process.env.ROUNDUP_PASSWORD;
const addUrl = process.env.ROUNDUP_ADD_URL;
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  // Submits a form by clicking one of its buttons and waits for the page it leads to.
  const submit = async (button) => {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
    const errors = await page.locator('[data-testid=error]').allTextContents();
    check(errors.length === 0, `no error after the action (${errors.join('; ')})`);
  };
  const headlines = () => page.locator('[data-testid=headline]').allTextContents();

  // Login.
  await page.goto(`${base}/desk`);
  check(page.url().endsWith('/login'), 'signed out, the desk leads to the login page');
  await page.fill('input[name=name]', user);
  await page.fill('input[name=password]', 'wrong password');
  await submit(page.locator('button[type=submit]')).catch(() => {});
  check((await page.locator('.flash.error').textContent()).includes('Wrong name or password'),
    'a wrong password is refused');
  await page.fill('input[name=name]', user);
  await page.fill('input[name=password]', password);
  await submit(page.locator('button[type=submit]'));
  check(new URL(page.url()).pathname === '/desk', 'signed in, on the desk');
  const first = await headlines();
  check(first.length === 12, `the draft shows its 12 stories (${first.length})`);
  await shot('01-desk');

  // Reorder: the first story goes down one place.
  await submit(page.locator('[data-testid=story]').nth(0).locator('button[data-action=move]'));
  const moved = await headlines();
  check(moved[0] === first[1] && moved[1] === first[0], 'moving the first story down swaps it with the second');

  // Edit the (new) first story's headline and summary.
  const story = page.locator('[data-testid=story]').nth(0);
  await story.locator('details[data-testid=edit] > summary').click();
  await story.locator('input[name=headline]').fill('Edited in the browser');
  await story.locator('textarea[name=summary]').fill('A **bold** claim.\n\nAnd a second paragraph.');
  await submit(story.locator('button[data-action=edit]'));
  check((await headlines())[0] === 'Edited in the browser', 'the edited headline is shown');
  check((await page.locator('[data-testid=story]').nth(0).locator('.summary strong').textContent()) === 'bold',
    'the summary is rendered from Markdown');
  await shot('02-edited');

  // Add an article by URL.
  await page.fill('[data-testid=add-url]', addUrl);
  await submit(page.locator('[data-testid=add-url-button]'));
  const added = await headlines();
  check(added[added.length - 1].includes('Pinduoduo opens a Shenzhen lab'), 'the added article is the last story');
  check((await page.locator('[data-testid=ok]').textContent()).includes('Added'), 'the desk confirms the addition');
  await shot('03-added');

  // Previews.
  const preview = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await preview.context().addCookies(await page.context().cookies());
  await preview.goto(`${base}/desk/preview-email`);
  check((await preview.content()).includes('Edited in the browser'), 'the email preview shows the edit');
  await preview.screenshot({ path: `${shots}/04-email-preview-phone.png`, fullPage: true });
  await preview.close();

  // Publish.
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('[data-testid=publish]')]);
  check(/\/editions\/\d{4}-\d\d-\d\d\.html$/.test(page.url()), `publishing leads to the edition (${page.url()})`);
  const h2 = await page.locator('article h2').allTextContents();
  check(h2[0].includes('Edited in the browser'), 'the published edition carries the edit');
  check(h2[h2.length - 1].includes('Pinduoduo'), 'and the added story');
  await shot('05-edition');

  // The archive page links to it; the edition reads well on a phone.
  await page.goto(`${base}/`);
  const link = page.locator('ol.editions a').first();
  check((await link.count()) === 1, 'the archive lists the edition');
  await Promise.all([page.waitForNavigation(), link.click()]);
  check(page.url().endsWith('.html'), 'the archive links to the edition page');
  await page.goto(`${base}/`);
  await shot('06-archive');
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(page.url().replace(/\/$/, '') + '/' );
  await phone.goto(`${base}/editions/${(await page.locator('ol.editions a').first().getAttribute('href')).split('/').pop()}`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the edition fits a phone's width (overflow ${overflow}px)`);
  await phone.screenshot({ path: `${shots}/07-edition-phone.png`, fullPage: true });
} finally {
  await browser.close();
}
