/**
 * The words of a pasted command, split as a POSIX shell splits them, and the error every reading
 * of a command line reports with. Apart from the parser itself so that the readers of proxy
 * commands (proxy-route.ts), which the parser uses, can split words too.
 */
/**
 * A command line Burrow cannot honour: names the option and the fix. `option` and `problem`
 * never quote a value that may be a secret (a password, a proxy command, a remote command), as
 * both end up in import reports and logs.
 */
export class CommandLineError extends Error {
  constructor(
    readonly option: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${option}: ${problem}. ${fix}`);
    this.name = 'CommandLineError';
  }
}

/**
 * Splits a pasted command line into words like a POSIX shell: single and double quotes,
 * backslash escapes, and line continuations (`\`, cmd.exe `^`, PowerShell backtick). A backslash
 * before an ordinary character is kept, so Windows paths (`C:\Users\me\key.ppk`) survive.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const s = text.replace(/\r\n/g, '\n');
  const push = (): void => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };
  while (i < s.length) {
    const c = s[i]!;
    const next = s[i + 1];
    if ((c === '\\' || c === '^' || c === '`') && next === '\n') {
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      push();
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError('(quoting)', 'a single quote is not closed', 'Close the quote or remove it.');
      cur += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1]!)) {
          if (s[i + 1] !== '\n') cur += s[i + 1];
          i += 2;
        } else cur += s[i++];
      }
      if (i >= s.length) throw new CommandLineError('(quoting)', 'a double quote is not closed', 'Close the quote or remove it.');
      i++;
    } else if (c === '\\' && next !== undefined && ' \t\'"\\$'.includes(next)) {
      cur += next;
      i += 2;
    } else {
      cur += c;
      i++;
    }
  }
  push();
  return words;
}
