// Multi-client scenarios for blocking commands: the same steps run on one server with several
// connections, and each client's replies are collected in order, so a test can compare Ferrite's
// with redis-server's byte for byte.
import { RawClient } from './servers.js';

export interface Step {
  /** Which client acts. */
  c: number;
  /** The command, split on spaces; `$N` stands for client N's id. */
  cmd?: string;
  /** The command may block (or is queued behind a blocked one): don't wait for its reply now. */
  blocks?: boolean;
  /** Close the client's connection instead of sending a command. */
  close?: boolean;
  /** Leave this command's reply out of the comparison (HELLO names the server). */
  ignore?: boolean;
  /** After the step, wait until the server counts this many blocked clients. */
  then?: number;
}

export async function waitBlocked(control: RawClient, n: number): Promise<void> {
  for (;;) {
    const info = await control.call('INFO', 'clients');
    const m = /blocked_clients:(\d+)/.exec(info);
    if (m !== null && Number(m[1]) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs the steps with `clients` connections on one server; returns each client's replies in order. */
export async function runScenario(port: number, clients: number, steps: Step[]): Promise<string[][]> {
  const control = await RawClient.connect(port);
  const conns = await Promise.all(Array.from({ length: clients }, () => RawClient.connect(port)));
  try {
    await control.call('FLUSHALL');
    const ids = await Promise.all(conns.map(async (c) => (await c.call('CLIENT', 'ID')).slice(1, -2)));
    const sent: boolean[][] = conns.map(() => []);
    const replies: string[][] = conns.map(() => []);
    const read = new Array<number>(clients).fill(0);
    const closed = new Set<number>();
    const drain = async (i: number): Promise<void> => {
      for (const r of await conns[i].replies(sent[i].length - read[i])) if (!sent[i][read[i]++]) replies[i].push(r);
    };
    for (const step of steps) {
      if (step.close) {
        conns[step.c].close();
        closed.add(step.c);
      } else if (step.cmd !== undefined) {
        conns[step.c].command(...step.cmd.split(' ').map((a) => a.replace(/^\$(\d+)$/, (_, n: string) => ids[Number(n)])));
        sent[step.c].push(step.ignore === true);
        if (!step.blocks) await drain(step.c);
      }
      if (step.then !== undefined) await waitBlocked(control, step.then);
    }
    for (let i = 0; i < clients; i++) if (!closed.has(i)) await drain(i);
    return replies;
  } finally {
    control.close();
    for (const c of conns) c.close();
  }
}

