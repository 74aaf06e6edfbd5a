/** Page objects: the window's screens as a person uses them, by role and label only. */
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures.js';
import { keyPlaceholderNames } from '../common/placeholders.js';

/** Goes to a route of the window, as a link there would. */
export async function go(page: Page, route: string): Promise<void> {
  await page.evaluate((r) => {
    location.hash = r;
  }, route);
}

/** The list of tunnels (#/). */
export class TunnelsPage {
  constructor(private readonly page: Page) {}

  row(name: string): Locator {
    return this.page
      .getByRole('list', { name: 'Tunnels' })
      .getByRole('listitem')
      .filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  async start(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Start ${name}`, exact: true }).click();
  }

  async expectState(name: string, word: RegExp, timeout = 30_000): Promise<void> {
    await expect(this.row(name).locator('.status')).toHaveText(word, { timeout });
  }
}

/** One tunnel (#/sessions/ID). */
export class SessionDetailPage {
  constructor(private readonly page: Page) {}

  async expectStatus(word: string, timeout = 30_000): Promise<void> {
    await expect(this.page.locator('.screen-head .status')).toHaveText(word, { timeout });
  }
}

/** The key wizard (#/keys/new). */
export class KeyWizardPage {
  constructor(private readonly page: Page) {}

  /** Creates the key as the form stands; returns its public line. */
  async create(): Promise<string> {
    await this.page.getByRole('button', { name: 'Create the key' }).click();
    await expect(this.page.getByRole('heading', { name: 'Your new key' })).toBeVisible({ timeout: 30_000 });
    return (await this.page.getByLabel('Public key', { exact: true }).textContent())!.trim();
  }
}

/** Importing a key (#/keys/import). */
export class KeyImportPage {
  constructor(private readonly page: Page) {}

  async paste(text: string): Promise<void> {
    await this.page.getByLabel('Paste the private key').fill(text);
    await this.page.getByRole('button', { name: 'Import', exact: true }).click();
  }

  /** Gives the passphrase the import asked for; returns the imported key's heading. */
  async unlock(passphrase: string, opts: { store: boolean }): Promise<void> {
    await this.page.getByLabel("This key's passphrase").fill(passphrase);
    await this.page.getByLabel(/Store the passphrase/).setChecked(opts.store);
    await this.page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(this.page.getByRole('heading', { name: /^Imported: / })).toBeVisible();
  }
}

export interface PresetInput {
  name?: string;
  host?: string;
  port?: number;
  user?: string;
  targetHost?: string;
  database?: string;
  targetPort?: number;
  remotePort?: number;
  /** `stored:ID`, `file` or `default`. */
  key?: string;
  autostart?: boolean;
}

/** A vendor's preset form (#/new/preset/ID). */
export class PresetPage {
  constructor(private readonly page: Page) {}

  async fill(i: PresetInput): Promise<void> {
    const p = this.page;
    if (i.name !== undefined) await p.getByLabel('Name', { exact: true }).fill(i.name);
    if (i.host !== undefined) await p.getByLabel('SSH server').fill(i.host);
    if (i.port !== undefined) await p.getByLabel('SSH port').fill(String(i.port));
    if (i.user !== undefined) await p.getByLabel('SSH user').fill(i.user);
    if (i.targetHost !== undefined) await p.getByLabel('Database host (as this machine reaches it)').fill(i.targetHost);
    if (i.database !== undefined) await p.getByLabel('Database', { exact: true }).selectOption(i.database);
    if (i.targetPort !== undefined) await p.getByLabel('Database port').fill(String(i.targetPort));
    if (i.remotePort !== undefined) await p.getByLabel(/^Remote port/).fill(String(i.remotePort));
    if (i.key !== undefined) await p.getByLabel('Log in with').selectOption(i.key);
    await p.getByLabel('Start automatically').setChecked(i.autostart ?? false);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save tunnel' }).click();
  }
}

/** Pasting a vendor's command (#/new/paste). */
export class PasteCommandPage {
  constructor(private readonly page: Page) {}

  /**
   * Pastes the command and fills its placeholders' inputs. A key placeholder (`-i <…>`) has no box
   * of its own but the key chooser: its value is given there as "A key file on this machine…".
   */
  async paste(command: string, values: Record<string, string> = {}): Promise<void> {
    await this.page.getByLabel('The command, script or config').fill(command);
    const keys = keyPlaceholderNames(command);
    for (const [k, v] of Object.entries(values)) {
      if (!keys.includes(k)) {
        await this.page.getByLabel(k, { exact: true }).fill(v);
      } else {
        await this.page.getByLabel('Log in with').selectOption('file');
        await this.page.getByLabel('Key file path').fill(v);
      }
    }
  }

  async preview(): Promise<void> {
    await this.page.getByRole('button', { name: 'Show what would be saved' }).click();
    await expect(this.page.getByRole('heading', { name: 'What would be saved' })).toBeVisible();
  }
}
