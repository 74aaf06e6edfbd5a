/**
 * Tunnel commands as people have them: one pasted command line, or a shell script that starts
 * tunnels (a tunnel.sh, an init script such as Holistics' h_autossh service, a systemd unit). The words go to the
 * engine's own parser after the clean-ups vendor pages and scripts need: placeholders filled in,
 * `sudo`, `su user -c '…'`, `nohup`, `screen`, `start-stop-daemon --exec` unwrapped, shell
 * redirections and `&` dropped.
 */
import { fillPlaceholders } from '../../../../common/placeholders.js';
import path from 'node:path';
import type { SessionConfig } from '../../../../common/config.js';
import { ConfigError } from '../config-error.js';
import { CommandLineError, parseCommandLine, splitCommandLine, sshpassError } from './command-line.js';
import { checkSessionCount } from './limits.js';
import { type ImportReport, type NotTaken, routeText } from './report.js';

export { fillPlaceholders };

/**
 * Refuses a key where a command or a file of tunnels was expected, saying where the key goes
 * instead (a private key's text is never repeated). `what` names the input: a file, or "(command)".
 */
export function refuseKeyText(text: string, what = '(command)'): void {
  if (/^\s*(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+)\s+\S+/.test(text)) {
    throw new ConfigError(
      what,
      "is a public key, the kind that goes in an SSH server's authorized_keys",
      "Burrow has nothing to run for it: your own public key goes to the vendor (they add it to their server); a vendor's key (QueryCanary's) goes in ~/.ssh/authorized_keys of the SSH user on your server, where `burrow authorize` puts it with the least it needs. Give the tunnel's private key with -i.",
    );
  }
  if (/^\s*(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-\d)/.test(text)) {
    // Not repeated: the text is a secret.
    throw new ConfigError(
      what,
      'is a private key, not a tunnel command',
      'Give it to the tunnel\'s command with -i FILE (burrow import "ssh -i FILE …"), or to a saved session with `burrow sessions edit NAME --identity FILE`.',
    );
  }
}

/**
 * Refuses inputs that look like a command but cannot be one, saying what to do instead. `what`
 * names the input in the error: the file it came from, or "(command)".
 */
function refuseLookalikes(text: string, what = '(command)'): void {
  if (/\[email(?:&#160;|\s)protected\]/i.test(text)) {
    throw new ConfigError(
      what,
      'holds "[email protected]" where the page showed user@host (its e-mail protection hid it)',
      "Copy the command from the vendor's e-mail or the page's source, or type user@host in its place.",
    );
  }
  if (/^\s*(?:"?[^"\s]*[\\/])?putty(?:\.exe)?"?\s/i.test(text)) {
    const load = /-load\s+['"]?([^'"]+)['"]?/.exec(text)?.[1];
    throw new ConfigError(
      what,
      'starts PuTTY, whose settings live in the Windows registry, not on the command line',
      `Export ${load ? `the saved session "${load}"` : 'the saved session'} with regedit (HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions, File > Export) and import the .reg file.`,
    );
  }
  refuseKeyText(text, what);
}

function isProgram(word: string | undefined): boolean {
  const base = path.win32
    .basename(word ?? '')
    .toLowerCase()
    .replace(/\.exe$/, '');
  return base === 'ssh' || base === 'autossh' || base === 'plink';
}

/** Shell words that end the command (the rest of the line is another command). */
const SEPARATORS = new Set(['&', ';', '&&', '||', '|']);

/**
 * The tunnel command inside a line's words, without what runs it or where its output goes; or
 * undefined when the line runs something else (`apt-get install autossh` does not start one).
 */
function unwrap(words: ReadonlyArray<string>, notes: string[]): string[] | undefined {
  let w = [...words];
  for (;;) {
    const first = w[0];
    if (first === undefined) return undefined;
    if (first.startsWith('ExecStart=')) {
      // A systemd unit: the command follows ExecStart=, after systemd's optional - @ : + ! prefixes.
      w[0] = first.slice('ExecStart='.length).replace(/^[-@:+!]+/, '');
      notes.push('ExecStart: start the session with the app (start at login) or `burrow run` instead of a unit');
    } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first) || first === 'exec' || first === 'nohup' || first === 'env' || first === 'time') {
      w.shift();
    } else if (first === 'sudo') {
      w.shift();
      let user = 'root';
      while (w[0]?.startsWith('-')) {
        const o = w.shift()!;
        if (o === '-u') user = w.shift() ?? user;
      }
      notes.push(`sudo${user === 'root' ? '' : ` -u ${user}`}: Burrow runs as the user who starts it and needs no root rights for a tunnel`);
    } else if (first === 'su') {
      const c = w.indexOf('-c');
      if (c < 0 || c + 1 >= w.length) return undefined;
      const user = w.slice(1, c).find((a) => !a.startsWith('-')) ?? 'root';
      notes.push(`su ${user} -c: Burrow runs as the user who starts it; give it that user's key`);
      w = splitCommandLine(w[c + 1]!);
    } else if (first === 'screen') {
      w.shift();
      while (w[0]?.startsWith('-')) if (/S$/.test(w.shift()!)) w.shift();
      notes.push('screen: Burrow keeps the session open itself, no terminal multiplexer needed');
    } else if (/^sshpass(\.exe)?$/i.test(path.win32.basename(first))) {
      // A tunnel run through sshpass is refused, not passed over: dropped without a word, it would
      // look as if Burrow had missed it.
      if (w.slice(1).some((a) => isProgram(a))) throw sshpassError();
      return undefined;
    } else if (path.basename(first) === 'start-stop-daemon') {
      const x = w.findIndex((a) => a === '--exec' || a === '-x' || a === '--startas' || a === '-a');
      if (x < 0) return undefined;
      w = w.slice(x + 1);
      if (w[1] === '--') w.splice(1, 1);
      notes.push('start-stop-daemon: start the session with the app or `burrow run` instead of an init script');
    } else {
      break;
    }
  }
  if (!isProgram(w[0])) return undefined;
  const end = w.findIndex((a) => SEPARATORS.has(a));
  if (end >= 0) w = w.slice(0, end);
  // Output redirections: `>/dev/null`, `2>&1`, `> log` (operator and target as two words). A word
  // starting with `<` is left alone: it is a guide's placeholder (`<SSH_HIGH_PORT>`) far more often
  // than input for a tunnel, and the parser names unfilled placeholders.
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) {
    if (/^\d*>>?$|^&>$/.test(w[i]!)) i++;
    else if (!/^\d*>>?\S|^&>\S/.test(w[i]!)) out.push(w[i]!);
  }
  return out;
}

function toNotTaken(note: string): NotTaken {
  const cut = note.indexOf(': ');
  return cut > 0 ? { what: note.slice(0, cut), why: note.slice(cut + 2) } : { what: note, why: 'not needed by Burrow' };
}

function describe(program: string, s: SessionConfig): string {
  return `${program}: ${s.user}@${s.host}:${s.port}, ${s.forwards.length} forward${s.forwards.length === 1 ? '' : 's'}, keepalive ${s.keepalive.intervalSeconds} s × ${s.keepalive.countMax}, host keys: ${s.hostKey.policy}${routeText(s)}`;
}

/** Imports one pasted or given command line, with placeholders filled in from `values`; `source` names a file it came from. */
export function importCommandLine(input: string | ReadonlyArray<string>, values: ReadonlyMap<string, string> = new Map(), source?: string): ImportReport {
  const notes: string[] = [];
  refuseLookalikes(typeof input === 'string' ? input : input.join(' '), source);
  const words =
    typeof input === 'string' ? splitCommandLine(fillPlaceholders(input.trim().replace(/^\$\s+/, ''), values)) : input.map((w) => fillPlaceholders(w, values));
  // Not a recognisable tunnel command: the engine's parser says precisely what is wrong with it.
  const parsed = parseCommandLine(unwrap(words, notes) ?? words);
  return {
    kind: 'command-line',
    sessions: [parsed.session],
    hostKeys: [],
    took: [describe(parsed.program, parsed.session)],
    couldNot: [...notes, ...parsed.notes].map(toNotTaken),
    ...(parsed.warnings.length > 0 ? { warnings: parsed.warnings } : {}),
  };
}

/**
 * Splits shell text into logical lines: continuations (`\`, cmd.exe `^`, PowerShell backtick)
 * joined, line breaks inside quotes kept, comments and blank lines dropped. Each comes with its
 * first line number.
 */
export function logicalLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let cur = '';
  let quote: string | undefined;
  let line = 1;
  let start = 1;
  const s = text.replace(/\r\n/g, '\n');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\n') line++;
    if (!quote && (c === '\\' || c === '^' || c === '`') && s[i + 1] === '\n') {
      i++;
      line++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    if (c === '\n') {
      if (cur.trim() !== '' && !cur.trim().startsWith('#')) out.push({ line: start, text: cur.trim() });
      cur = '';
      start = line;
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== '' && !cur.trim().startsWith('#')) out.push({ line: start, text: cur.trim() });
  return out;
}

/** `NAME=value` assignments at the top level of a script, as values for its `$NAME`s. */
function assignments(lines: ReadonlyArray<{ text: string }>): Map<string, string> {
  const vars = new Map<string, string>();
  for (const { text } of lines) {
    const m = /^(?:export\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S.*)?$/.exec(text);
    if (!m) continue;
    // Computed values ($(…), backticks) cannot be known without running the script.
    if (m[2] === undefined || /\$\(|`/.test(m[2])) continue;
    let value: string | undefined;
    try {
      value = splitCommandLine(m[2])[0];
    } catch {
      continue;
    }
    if (value !== undefined) vars.set(m[1]!, value);
  }
  return vars;
}

/** Whether text is several shell lines rather than one command. */
export function isShellScript(text: string): boolean {
  return logicalLines(text).length > 1;
}

/**
 * Imports every tunnel command of a shell script. The script's own `NAME=value` lines fill its
 * `$NAME`s, and `values` (from the person) win over them. Lines that start something else are
 * passed over; a tunnel command that cannot be used (one run through sshpass included) is
 * reported with its line number and the option at fault, never with its text. Throws when the
 * script starts no usable tunnel.
 */
export function importShellScript(text: string, values: ReadonlyMap<string, string> = new Map()): ImportReport {
  const lines = logicalLines(text);
  const vars = new Map([...assignments(lines), ...values]);
  const sessions: SessionConfig[] = [];
  const took: string[] = [];
  const couldNot: NotTaken[] = [];
  const warnings: string[] = [];
  let firstError: ConfigError | undefined;
  for (const { line, text: t } of lines) {
    const notes: string[] = [];
    let words: string[] | undefined;
    try {
      words = unwrap(splitCommandLine(fillPlaceholders(t, vars)), notes);
      if (!words) continue;
      refuseLookalikes(words.join(' '));
      const parsed = parseCommandLine(words);
      let name = parsed.session.name;
      // Several tunnels to one server (Holistics runs all of them from one service): tell them apart
      // by port, in a name that needs no quoting on a command line.
      if (sessions.some((s) => s.name === name)) name = `${name}-${parsed.session.forwards[0]!.bindPort}`;
      sessions.push({ ...parsed.session, id: name, name, notes: `Imported from line ${line} of a shell script.` });
      checkSessionCount(sessions.length);
      took.push(`line ${line}: ${describe(parsed.program, parsed.session)}`);
      warnings.push(...parsed.warnings.map((w) => `line ${line}: ${w}`));
      couldNot.push(
        ...[...notes, ...parsed.notes].map((n) => {
          const x = toNotTaken(n);
          return { what: `line ${line}: ${x.what}`, why: x.why };
        }),
      );
    } catch (err) {
      if (!(err instanceof CommandLineError) && !(err instanceof ConfigError)) throw err;
      // The line number and the option only: the line itself may hold a password (`plink -pw …`,
      // `-o ProxyCommand="sshpass -p …"`), and reports are printed and logged.
      const option = err instanceof CommandLineError ? err.option : err.field;
      firstError ??= new ConfigError(`line ${line}: ${option}`, err.problem, err.fix);
      couldNot.push({ what: `line ${line}: ${option}`, why: `${err.problem}. ${err.fix}` });
    }
  }
  if (sessions.length === 0) {
    if (firstError) throw firstError;
    throw new ConfigError('(script)', 'starts no ssh, autossh or plink tunnel', 'Import the script that runs the tunnel command, or paste the command itself.');
  }
  return { kind: 'shell-script', sessions, hostKeys: [], took, couldNot, ...(warnings.length > 0 ? { warnings } : {}) };
}
