// An attendee on a phone: scans the meeting's link, reads the Code, checks
// in and gets a receipt that `rollcall verify` accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const fr = JSON.parse(readFileSync(new URL('../../web/i18n/fr.json', import.meta.url), 'utf8'));
import { join } from 'node:path';
import {
  BASE, PHONE, WORK, api, assertVerifies, launch, openMeeting, scanLink, assertNoAxeViolations, screenshot,
} from './lib.mjs';

test('attendee scans the link on a phone, reads the Code, checks in and keeps a receipt that verifies', async () => {
  const meeting = await openMeeting('ISO/TC 46 plenary, autumn session', {
    concern_contact: 'conduct@example.org',
  });
  const link = await scanLink(meeting);
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    const response = await page.goto(link.url);
    assert.equal(response.status(), 200);
    assert.equal(await page.title(), 'Check in: ISO/TC 46 plenary, autumn session · rollcall');

    // The Code comes first and is there to read, in its own language.
    const code = page.getByRole('region', { name: 'Code of Conduct' });
    await code.waitFor();
    assert.equal(await code.getAttribute('lang'), 'en');
    assert.match(await code.innerText(), /Respect others/i);
    const form = page.locator('form.stack');
    const codeBox = await code.boundingBox();
    const formBox = await form.boundingBox();
    assert.ok(codeBox.y < formBox.y, 'the Code is shown before the form');

    // Nothing on the page is wider than the phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(overflow, 0, 'the page scrolls sideways on a 390 px phone');

    // Where to raise a concern, from the meeting's contact.
    const concern = page.getByRole('link', { name: 'Raise a concern' });
    assert.equal(await concern.getAttribute('href'), 'mailto:conduct@example.org');

    // The country field suggests countries and national bodies (no script needed).
    const country = page.getByLabel(/Country or national body/);
    assert.equal(await country.getAttribute('list'), 'countries');
    const suggestions = await page.locator('datalist#countries option').evaluateAll((os) => os.map((o) => o.value));
    assert.equal(suggestions.length, 249);
    assert.ok(suggestions.includes('United Kingdom (BSI)') && suggestions.includes('France (AFNOR)'));

    await screenshot(page, 'phone-check-in');
    await assertNoAxeViolations(page, 'the check-in page (phone)');

    // Checking in without the acknowledgment is refused by the browser itself.
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel('Organisation').fill('BSI');
    await page.getByLabel(/Country or national body/).fill('United Kingdom (BSI)');
    await page.getByLabel('Role').selectOption('head-of-delegation');
    await page.getByLabel(/Email/).fill('ada@example.org');
    await page.getByRole('button', { name: 'Check in' }).click();
    assert.equal(new URL(page.url()).pathname, `/m/${meeting.id}`, 'no check-in without acknowledging the Code');

    await page.getByLabel('I have read the Code of Conduct and will uphold it.').check();
    await page.getByLabel('I have read the Code of Conduct and will uphold it.').scrollIntoViewIfNeeded();
    await screenshot(page, 'phone-check-in-form');
    await Promise.all([page.waitForURL(/\/r\//), page.getByRole('button', { name: 'Check in' }).click()]);

    // The receipt page, at once and once its proof has arrived.
    await page.getByRole('heading', { name: 'You are checked in' }).waitFor();
    await assertNoAxeViolations(page, 'the receipt page as first shown (phone)');
    const facts = await page.locator('dl.facts').innerText();
    assert.match(facts, /Ada Lovelace/);
    assert.match(facts, /United Kingdom \(BSI\)/);
    assert.equal(
      await page.getByRole('link', { name: 'Raise a concern' }).getAttribute('href'),
      'mailto:conduct@example.org',
    );
    assert.match(facts, /Head of delegation/i);
    assert.match(facts, /ISO\/TC 46 plenary, autumn session/);
    // The proof of inclusion follows with the next checkpoint; the page shows it by itself.
    await page.getByText(/included in the meeting's signed log/).waitFor({ timeout: 15_000 });
    await screenshot(page, 'phone-receipt');
    await assertNoAxeViolations(page, 'the receipt page (phone)');

    // The downloaded receipt verifies offline against the server's key.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download receipt' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^rollcall-receipt-[0-9a-f]{12}\.json$/);
    const file = join(WORK, download.suggestedFilename());
    await download.saveAs(file);
    const receipt = JSON.parse(readFileSync(file, 'utf8'));
    assert.ok(receipt.inclusion, 'the downloaded receipt carries its proof of inclusion');
    assertVerifies(file, /^VALID receipt$/);

    // Next meeting: the phone remembers the attendee's details.
    const next = await openMeeting('ISO/TC 46/WG 11 meeting');
    await page.goto((await scanLink(next)).url);
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Ada Lovelace');
    assert.equal(await page.getByLabel('Role').inputValue(), 'head-of-delegation');
  } finally {
    await close();
  }
});

test('remote participant opens the remote link from the video conference chat and checks in remotely', async () => {
  const meeting = await openMeeting('ISO/TC 46 plenary, hybrid session');
  const link = (await api('GET', `/meetings/${meeting.id}/remote-link`)).json;
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    const response = await page.goto(link.url);
    assert.equal(response.status(), 200);
    // The page says the check-in is remote, before the Code and the form.
    const notice = page.locator('#remote-notice');
    assert.match(await notice.innerText(), /checking in as a remote participant/);
    const noticeBox = await notice.boundingBox();
    const formBox = await page.locator('form.stack').boundingBox();
    assert.ok(noticeBox.y < formBox.y, 'the remote notice comes before the form');
    await assertNoAxeViolations(page, 'the remote check-in page (phone)');

    await page.getByLabel('Full name').fill('Hedy Lamarr');
    await page.getByLabel('Organisation').fill('ASI');
    await page.getByLabel(/Country or national body/).fill('Austria (ASI)');
    await page.getByLabel('I have read the Code of Conduct and will uphold it.').check();
    await Promise.all([page.waitForURL(/\/r\//), page.getByRole('button', { name: 'Check in' }).click()]);
    await page.getByRole('heading', { name: 'You are checked in' }).waitFor();
    await assertNoAxeViolations(page, 'the receipt page of a remote check-in (phone)');

    // The signed receipt says remote.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download receipt' }).click(),
    ]);
    const file = join(WORK, `remote-${download.suggestedFilename()}`);
    await download.saveAs(file);
    const receipt = JSON.parse(readFileSync(file, 'utf8'));
    const statement = JSON.parse(Buffer.from(receipt.entry.envelope.payload, 'base64').toString('utf8'));
    assert.deepEqual(statement.predicate.presence, { method: 'remote' });
  } finally {
    await close();
  }
});

test('attendee who leaves out a field sees what to correct, and nothing is lost', async () => {
  const meeting = await openMeeting('ISO/TC 68 plenary');
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    await page.goto((await scanLink(meeting)).url);
    await page.getByLabel('Full name').fill('Grace Hopper');
    await page.getByLabel('Organisation').fill('ANSI');
    // An email the server refuses (the browser's own check only wants an @).
    // Free text, not one of the suggestions, is taken as it is.
    await page.getByLabel(/Country or national body/).fill('ISO/TC 37 liaison');
    await page.getByLabel(/Email/).fill('grace@localhost');
    await page.getByLabel('I have read the Code of Conduct and will uphold it.').check();
    await page.getByRole('button', { name: 'Check in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Please correct 1 thing/);
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Grace Hopper');
    assert.equal(await page.getByLabel(/Email/).getAttribute('aria-invalid'), 'true');
    await assertNoAxeViolations(page, 'the check-in page with an error (phone)');
    // The error links to the field.
    await alert.getByRole('link').click();
    assert.equal(await page.evaluate(() => location.hash), '#email');
  } finally {
    await close();
  }
});


test('check-in page on a phone in dark mode has no accessibility violations', async () => {
  const meeting = await openMeeting('ISO/TC 154 plenary');
  const { context, close } = await launch({ ...PHONE, colorScheme: 'dark' });
  try {
    const page = await context.newPage();
    await page.goto((await scanLink(meeting)).url);
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.notEqual(bg, 'rgb(255, 255, 255)', 'the dark colour scheme is not applied');
    await assertNoAxeViolations(page, 'the check-in page in dark mode (phone)');
  } finally {
    await close();
  }
});

test('attendee switches the check-in page to French and checks in in French', async () => {
  const meeting = await openMeeting('ISO/TC 34 plénière', {
    concern_contact: 'https://example.org/code-of-conduct/concerns',
  });
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    await page.goto((await scanLink(meeting)).url);
    // The browser asks for English; the page is in English.
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    assert.equal(await page.getByRole('button').filter({ hasText: 'Check in' }).count(), 0, 'the button is still in English');
    await page.getByRole('button', { name: fr['checkin.submit'] }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: fr['concern.link'] }).getAttribute('href'),
      'https://example.org/code-of-conduct/concerns',
    );
    await assertNoAxeViolations(page, 'the check-in page in French (phone)');
    await screenshot(page, 'phone-check-in-fr');

    await page.getByLabel(fr['checkin.field.name']).fill('Émilie du Châtelet');
    await page.getByLabel(fr['checkin.field.organization']).fill('AFNOR');
    await page.getByLabel(fr['checkin.field.country']).fill('France (AFNOR)');
    await page.getByLabel(fr['checkin.acknowledge']).check();
    await Promise.all([page.waitForURL(/\/r\//), page.getByRole('button', { name: fr['checkin.submit'] }).click()]);
    // The choice sticks: the receipt is in French too.
    await page.getByRole('heading', { name: fr['receipt.heading'] }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.getByRole('link', { name: fr['concern.link'] }).waitFor();
    await assertNoAxeViolations(page, 'the receipt page in French (phone)');
  } finally {
    await close();
  }
});

test('anyone opens the meeting page from the agenda: the Code, its training and where to raise a concern', async () => {
  const meeting = await openMeeting('ISO/TC 37 plenary', {
    concern_contact: 'https://example.org/code-of-conduct/concerns',
  });
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    const response = await page.goto(`${BASE}/m/${meeting.id}`);
    assert.equal(response.status(), 200);
    await page.getByRole('region', { name: 'Code of Conduct' }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: 'Training on this Code of Conduct' }).getAttribute('href'),
      process.env.ROLLCALL_TRAINING_URL,
    );
    assert.equal(
      await page.getByRole('link', { name: 'Raise a concern' }).getAttribute('href'),
      'https://example.org/code-of-conduct/concerns',
    );
    await assertNoAxeViolations(page, 'the public meeting page (phone)');
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    await page.getByRole('link', { name: fr['code.training'] }).waitFor();
    await page.getByRole('link', { name: fr['concern.link'] }).waitFor();
    await assertNoAxeViolations(page, 'the public meeting page in French (phone)');
  } finally {
    await close();
  }
});
