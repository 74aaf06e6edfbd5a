/**
 * A newcomer's machine for black-box CLI tests: an empty home folder (no ~/.ssh, no known hosts)
 * and an empty config store, every `burrow` run pointed at both through HOME and BURROW_CONFIG.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SessionConfig } from '../../common/config.js';
import { tempDir } from '../core/config/fixtures.js';

export interface World {
  /** The temporary home folder (`~`). */
  readonly home: string;
  /** A working folder inside it, where the person runs commands. */
  readonly work: string;
  readonly config: string;
  /** HOME and BURROW_CONFIG for every command. */
  readonly env: NodeJS.ProcessEnv;
  /** The sessions as the store file holds them now. */
  saved(): SessionConfig[];
  /** The session called `name`, as stored. */
  session(name: string): SessionConfig;
  /** The file a secret of the file-based secret store is kept in. */
  secret(name: string): string;
  /** ~/.ssh/known_hosts. */
  readonly knownHosts: string;
}

export function world(): World {
  const home = tempDir('burrow-home-');
  const work = path.join(home, 'work');
  mkdirSync(work);
  const config = path.join(home, '.config', 'burrow', 'config.json');
  const saved = (): SessionConfig[] => (JSON.parse(readFileSync(config, 'utf8')) as { sessions: SessionConfig[] }).sessions;
  return {
    home,
    work,
    config,
    env: { HOME: home, BURROW_CONFIG: config },
    saved,
    session: (name) => {
      const s = saved().find((x) => x.name === name);
      if (!s)
        throw new Error(
          `no session "${name}" in ${config}: ${saved()
            .map((x) => x.name)
            .join(', ')}`,
        );
      return s;
    },
    secret: (name) => path.join(path.dirname(config), 'secrets', name),
    knownHosts: path.join(home, '.ssh', 'known_hosts'),
  };
}
