// Scripts of commands over several named raw connections at once, run against one server, giving a
// transcript of the raw replies; run on real Redis and on Ferrite, two transcripts must be equal.
// For behaviour that needs interleaved clients: WATCH invalidation, pub/sub, keyspace notifications.
import { RawClient } from './servers.js';

export type Step =
  | { kind: 'send'; on: string; command: string[]; replies: number; compared: boolean }
  | { kind: 'read'; on: string; replies: number }
  | { kind: 'drain'; on: string; marker: string }
  | { kind: 'sleep'; ms: number };

/** Sends a command and records its reply (or `replies` replies: SUBSCRIBE a b answers twice). */
export const send = (on: string, ...command: string[]): Step => ({ kind: 'send', on, command, replies: 1, compared: true });
export const sendN = (on: string, replies: number, ...command: string[]): Step => ({ kind: 'send', on, command, replies, compared: true });
/** Sends a command whose reply legitimately differs between servers (HELLO's client id) and records none. */
export const quiet = (on: string, ...command: string[]): Step => ({ kind: 'send', on, command, replies: 1, compared: false });
/** Records the next replies (pushed messages) of a connection. */
export const read = (on: string, replies: number): Step => ({ kind: 'read', on, replies });
/** Records every reply of a connection up to and including the first one containing `marker`. */
export const drain = (on: string, marker: string): Step => ({ kind: 'drain', on, marker });
/** Lets keys expire; never used to assert a duration. */
export const sleep = (ms: number): Step => ({ kind: 'sleep', ms });

async function runStep(step: Step, connect: (on: string) => Promise<RawClient>): Promise<string | undefined> {
  switch (step.kind) {
    case 'sleep':
      await new Promise((r) => setTimeout(r, step.ms));
      return undefined;
    case 'send': {
      const c = await connect(step.on);
      c.command(...step.command);
      const replies = await c.replies(step.replies);
      return step.compared ? `${step.on}> ${step.command.join(' ')} => ${JSON.stringify(replies.join(''))}` : undefined;
    }
    case 'read': {
      const replies = await (await connect(step.on)).replies(step.replies);
      return `${step.on}< ${JSON.stringify(replies.join(''))}`;
    }
    case 'drain': {
      const c = await connect(step.on);
      const replies: string[] = [];
      do replies.push(await c.reply());
      while (!replies[replies.length - 1].includes(step.marker));
      return replies.map((r) => `${step.on}< ${JSON.stringify(r)}`).join('\n');
    }
  }
}

/** Runs the steps in order on fresh connections to `port`; returns one transcript line per recorded step. */
export async function runSessions(port: number, steps: readonly Step[]): Promise<string[]> {
  const clients = new Map<string, RawClient>();
  const connect = async (on: string): Promise<RawClient> => {
    let c = clients.get(on);
    if (c === undefined) clients.set(on, (c = await RawClient.connect(port)));
    return c;
  };
  try {
    const transcript: string[] = [];
    for (const step of steps) {
      const line = await runStep(step, connect);
      if (line !== undefined) transcript.push(line);
    }
    return transcript;
  } finally {
    for (const c of clients.values()) c.close();
  }
}
