/**
 * Questions only a person can answer (an unknown host key, a key's passphrase), asked of
 * whichever window is attached. With no window attached nobody is asked: the session's policy
 * decides (an unknown key is refused, a missing passphrase fails the attempt), as headless use
 * must, and the session asks again on its next attempt.
 */
import { randomUUID } from 'node:crypto';
import type { SessionConfig } from '../../common/config.js';
import type { Question } from '../../common/contract.js';
import type { SecretStore } from '../core/keys/index.js';
import type { HostKeyPrompt } from '../core/session/host-keys.js';
import { passphraseSecretName, type PassphraseQuestion } from '../core/session/identity.js';
import { fail } from './errors.js';

interface Answer {
  readonly accept: boolean;
  readonly passphrase?: string;
  readonly remember?: boolean;
}

type QuestionBody = Question extends infer Q ? (Q extends Question ? Omit<Q, 'id'> : never) : never;

export class Questions {
  private readonly pending = new Map<string, { readonly question: Question; readonly resolve: (a: Answer) => void }>();

  constructor(
    private readonly emit: {
      asked(q: Question): void;
      closed(id: string): void;
    },
    /** Whether any window is there to ask. */
    private readonly attached: () => boolean,
    private readonly secrets: SecretStore,
  ) {}

  list(): Question[] {
    return [...this.pending.values()].map((p) => p.question);
  }

  /** A window's answer; a question already answered (by another window) is not an error. */
  answer(id: string, answer: Answer): void {
    const p = this.pending.get(id);
    if (!p) fail('NOT_FOUND', 'That question was already answered or has expired', 'Nothing to do: the session asks again if it still needs to.', 'id');
    if (answer.accept && p.question.kind === 'passphrase' && !answer.passphrase) {
      fail('INVALID_INPUT', 'passphrase is empty', "Type the key's passphrase, or choose Cancel.", 'passphrase');
    }
    this.close(id);
    p.resolve(answer);
  }

  /** Withdraws a session's open questions (it was stopped or removed): they answer "no". */
  cancelFor(sessionId: string): void {
    for (const [id, p] of this.pending) {
      if (p.question.sessionId !== sessionId) continue;
      this.close(id);
      p.resolve({ accept: false });
    }
  }

  /** The host-key prompt a session of `config` uses. */
  hostKeyPrompt(config: SessionConfig): HostKeyPrompt {
    return async (q) => {
      const a = await this.ask({ kind: 'host-key', sessionId: config.id, sessionName: config.name, ...q });
      return a?.accept === true;
    };
  }

  /** The passphrase question a session of `config` uses; "remember" keeps a stored key's passphrase in the secret store. */
  passphraseQuestion(config: SessionConfig): PassphraseQuestion {
    return async ({ key, keyId, wrong }) => {
      const a = await this.ask({ kind: 'passphrase', sessionId: config.id, sessionName: config.name, key, ...(wrong ? { wrong } : {}) });
      if (!a?.accept || !a.passphrase) return undefined;
      if (a.remember && keyId !== undefined) await this.secrets.set(passphraseSecretName(keyId), a.passphrase);
      return a.passphrase;
    };
  }

  private ask(body: QuestionBody): Promise<Answer | undefined> {
    if (!this.attached()) return Promise.resolve(undefined);
    const question = { ...body, id: randomUUID() } as Question;
    return new Promise((resolve) => {
      this.pending.set(question.id, { question, resolve });
      this.emit.asked(question);
    });
  }

  private close(id: string): void {
    if (this.pending.delete(id)) this.emit.closed(id);
  }
}
