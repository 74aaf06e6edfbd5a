/** Settings → "Metrics and health checks" in browser mode: a wrong address is refused with its fix; switched on, burrow web serves the endpoint; off, it stops. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '../fixtures.js';
import { freePort } from '../../test/helpers/net.js';

async function answers(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url)).status;
  } catch {
    return undefined;
  }
}

test('metrics from the window: the address checked as --metrics checks it, the endpoint served while switched on', async ({ page, burrow }) => {
  await page.getByRole('link', { name: 'Settings' }).click();
  const group = page.getByRole('group', { name: 'Metrics and health checks' });
  const address = group.getByLabel('Address');
  await expect(address).toHaveValue('127.0.0.1:9876');

  await address.fill('1.2.3:80');
  await group.getByRole('button', { name: 'Save address' }).click();
  await expect(group.getByRole('alert')).toContainText('"1.2.3" is not an IP address');
  await expect(address).toHaveAttribute('aria-invalid', 'true');

  const port = await freePort();
  await address.fill(`127.0.0.1:${port}`);
  await address.press('Enter');
  await expect(group.getByRole('alert')).toHaveCount(0);
  // Kept beside the config, where `burrow run --service` reads it too.
  await expect.poll(() => readFileSync(path.join(path.dirname(burrow.config), 'settings.json'), 'utf8')).toContain(`"address": "127.0.0.1:${port}"`);
  const serve = group.getByRole('checkbox', { name: 'Serve metrics and health checks' });
  // A setting the app saves, then shows: clicked, then seen checked.
  await serve.click();
  await expect(serve).toBeChecked();
  await expect(group).toContainText(`Served at http://127.0.0.1:${port}/metrics`);
  await expect.poll(() => answers(`http://127.0.0.1:${port}/healthz`)).toBe(200);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toMatch(/^burrow_info\{version="[^"]+",door="burrow web"\} 1$/m);

  await serve.click();
  await expect(serve).not.toBeChecked();
  await expect.poll(() => answers(`http://127.0.0.1:${port}/healthz`)).toBeUndefined();
});
