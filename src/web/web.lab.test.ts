/**
 * The web view in a real browser (Debian's Chromium, headless) against the havana lab: sign
 * in, see the article's two tenants and both nodes, click a port and trace to it from the
 * internet host (DROPPED, naming the security group), watch a change arrive by the event stream,
 * break a NAT rule by hand and see the drift appear; a member sees only their project. Screenshots
 * go to dist/screenshots/web/ (or $QUARK_SCREENSHOTS).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { passwordClient } from '../lab/controller.js';
import { Lab } from '../lab/lab.js';
import { labExtra } from '../lab/up.js';
import { leftovers, uniquePrefix } from '../testing/host.js';
import { type Browser, launchChromium, signIn } from './testing/browser.js';

const QUARK = fileURLToPath(new URL('../../bin/quark', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../scenarios/havana.yaml', import.meta.url));
const SHOTS = process.env.QUARK_SCREENSHOTS ?? fileURLToPath(new URL('../../dist/screenshots/web/', import.meta.url));

function quark(args: readonly string[]): { status: number; out: string } {
  const r = spawnSync(QUARK, args, { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('the web view in Chromium, on the havana lab', () => {
  const name = uniquePrefix('qw');
  let browser: Browser;
  let url: string;
  let lab: Lab;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const up = quark(['lab', 'up', SCENARIO, '--name', name, '--port', port]);
    assert.equal(up.status, 0, up.out);
    lab = Lab.load(`/run/quark/lab/${name}`);
    url = labExtra(lab).controller.url;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    quark(['lab', 'down', name, '--force']);
    assert.deepEqual(leftovers(name), []);
  });

  const shot = (file: string) => browser.page.screenshot({ path: `${SHOTS}/${file}`, fullPage: true });

  it('signs in as the admin and shows both tenants on the logical view and both nodes on the physical view', async () => {
    const { page } = browser;
    await signIn(page, url, labExtra(lab).controller.admin);
    await page.locator('#view-logical g.el[aria-label^="project test:"]').waitFor();
    await page.locator('#view-logical g.el[aria-label^="project test1:"]').waitFor();
    await page.locator('#view-logical g.el[aria-label^="router test1-router"]').waitFor();
    for (const vm of ['vm1', 'vm2', 'vm3'])
      await page.locator(`#view-logical g.el[aria-label^="port ${vm}, status ACTIVE"]`).waitFor();
    await shot('logical.png');
    await page.click('#tab-physical');
    await page.locator('#view-physical g.el[aria-label^="host compute, roles l2"]').waitFor();
    await page.locator('#view-physical g.el[aria-label^="host network, roles l2, dhcp, l3"]').waitFor();
    await page.locator('#view-physical g.el[aria-label^="namespace qrouter-"]').waitFor();
    await page.locator('#view-physical g.wire[aria-label^="GRE tunnel between host compute"]').waitFor();
    const vifs = await page.locator('#view-physical g.el.k-vif').count();
    assert.equal(vifs, 3);
    await page.click('#zoom-fit');
    await shot('physical.png');
    assert.deepEqual(browser.errors, []);
  });

  it('traces from the internet host to the port clicked: DROPPED, naming the security group, drawn on both views', async () => {
    const { page } = browser;
    await page.click('#tab-logical');
    await page.locator('#view-logical g.el[aria-label^="port vm3"]').click();
    await page.locator('#details h2', { hasText: 'port vm3' }).waitFor();
    await page.getByRole('button', { name: /^Trace to floating IP / }).click();
    await page.fill('#trace-form input[name=from]', '203.0.113.1');
    await page.selectOption('#trace-form select[name=protocol]', 'tcp');
    await page.fill('#trace-form input[name=port]', '80');
    await page.click('#trace-form button[type=submit]');
    const verdict = await page.locator('#trace-verdict').textContent({ timeout: 30_000 });
    assert.match(
      verdict ?? '',
      /^verdict: DROPPED — no ingress rule of security group `default` \(project test1\) allows tcp\/80 from 203\.0\.113\.1/,
    );
    await page.locator('#view-logical g.el.drop[aria-label^="port vm3"]').waitFor();
    // The blocked hop's evidence is open: the security group rules the packet did not match.
    await page
      .locator('#trace-result li.drop details[open] code', { hasText: /--dport 22 .*-j RETURN {2}\(not matched\)/ })
      .waitFor();
    await shot('trace-logical.png');
    await page.click('#tab-physical');
    await page.locator('#view-physical g.el.drop.k-vif[aria-label*="trace hop"]').waitFor();
    await page.locator('#view-physical g.wire.on-path[aria-label^="GRE tunnel"]').waitFor();
    await shot('trace-physical.png');
    // The blocked hop, clicked: the details say what stopped the packet there.
    await page.locator('#view-physical g.el.drop.k-vif').click();
    await page
      .locator('#details p.dropped', { hasText: /^Trace, hop \d+: iptables filter FORWARD on qbr\S+: no ingress rule/ })
      .waitFor();
  });

  it('shows a change the moment the event stream brings it, without a reload', async () => {
    const { page } = browser;
    await page.click('#tab-logical');
    const api = passwordClient(url, labExtra(lab).controller.admin);
    const { networks } = await api.get<{ networks: { id: string }[] }>('/v2.0/networks?name=test-net');
    await api.put(`/v2.0/networks/${networks[0]!.id}`, { network: { name: 'test-net-renamed' } });
    await page.locator('#view-logical g.el[aria-label^="network test-net-renamed"]').waitFor({ timeout: 5000 });
  });

  it('marks drift the moment a rule is deleted by hand on a node, with the rule’s text on click', async () => {
    const { page } = browser;
    const namespaces = quark(['lab', 'exec', 'network', '--lab', name, '--', 'ip', 'netns', 'list']);
    const router = /qrouter-[0-9a-f-]+/.exec(namespaces.out)?.[0];
    assert.ok(router, namespaces.out);
    // By its text, not its position: the metadata proxy's REDIRECT comes first in the chain.
    const inRouter = (args: string[]) =>
      quark(['lab', 'exec', 'network', '--lab', name, '--', 'ip', 'netns', 'exec', router, ...args]);
    const rules = inRouter(['iptables', '-t', 'nat', '-S', 'quark-l3-PREROUTING']);
    const dnat = rules.out.split('\n').find((l) => l.startsWith('-A quark-l3-PREROUTING -d 203.0.113.11/32 -j DNAT'));
    assert.ok(dnat, rules.out);
    const removed = inRouter(['iptables', '-t', 'nat', '-D', ...dnat.trim().split(/\s+/).slice(1)]);
    assert.equal(removed.status, 0, removed.out);
    const banner = page.locator('#drift-banner');
    await banner.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(
      (await banner.textContent()) ?? '',
      /MISSING -A quark-l3-PREROUTING -d 203\.0\.113\.11\/32 -j DNAT --to-destination 10\.0\.0\.\d+/,
    );
    await banner.getByRole('button', { name: 'show' }).first().click();
    await page.locator('#view-physical g.el.t-missing[aria-label^="namespace qrouter-"]').waitFor();
    await page.locator('#details li.drift', { hasText: '-A quark-l3-PREROUTING -d 203.0.113.11/32 -j DNAT' }).waitFor();
    await shot('drift.png');
  });

  it('is usable from the keyboard, and the tables hold the same data', async () => {
    const { page } = browser;
    await page.click('#tab-logical');
    await page.locator('#view-logical g.el[tabindex="0"]').focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const focused = await page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""');
    assert.ok(String(focused).length > 0, 'an element of the picture has the focus');
    assert.notEqual(await page.locator('#details h2').count(), 0);
    await page.click('#tab-tables');
    const row = page.locator('#table-ports tbody tr', { hasText: 'vm3' });
    assert.match((await row.textContent()) ?? '', /10\.0\.0\.\d+203\.0\.113\.11ACTIVEdefault/);
    await page.locator('#table-host-items tbody tr', { hasText: 'MISSING' }).first().waitFor();
    await shot('tables.png');
  });

  it('shows a member their own project only, and no hosts', async () => {
    const member = await launchChromium();
    try {
      const projects = labExtra(lab).projects;
      await signIn(member.page, url, projects.test1!.login);
      await member.page.locator('#view-logical g.el[aria-label^="project test1:"]').waitFor();
      assert.equal(await member.page.locator('#view-logical g.el[aria-label^="project test:"]').count(), 0);
      assert.equal(await member.page.locator('#view-logical g.el[aria-label^="port vm1"]').count(), 0);
      assert.equal(await member.page.isVisible('#tab-physical'), false);
      assert.equal(await member.page.isVisible('#trace-form'), false);
      await member.page.screenshot({ path: `${SHOTS}/member.png`, fullPage: true });
      assert.deepEqual(member.errors, []);
    } finally {
      await member.close();
    }
  });
});
