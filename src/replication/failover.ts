// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms], as Redis 7.0: writes are paused, we wait
// until the target replica (or any replica) acknowledged our whole stream, then we become a replica
// of it and our PSYNC carries FAILOVER, which makes the target promote itself before it answers;
// its +CONTINUE ends the failover. A timeout aborts it, or with FORCE fails over anyway.
import { unpauseAll } from '../commands/client-cmd.js';
import type { Replication } from './replication.js';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export interface FailoverRequest {
  host: string | undefined;
  port: number;
  timeoutMs: number;
  force: boolean;
}

export class Failover {
  state: FailoverState = 'no-failover';
  private targetHost: string | undefined;
  private targetPort = 0;
  private endTime = 0;
  private force = false;

  constructor(private readonly repl: Replication) {}

  get stateName(): FailoverState {
    return this.state;
  }

  /** True while our PSYNC to the new master must carry FAILOVER. */
  get inProgress(): boolean {
    return this.state === 'failover-in-progress';
  }

  /** Validates and starts a failover; returns an error line or undefined (then +OK). */
  start(req: FailoverRequest): string | undefined {
    const repl = this.repl;
    const log = repl.server.log;
    if (this.state !== 'no-failover') return 'ERR FAILOVER already in progress.';
    if (repl.master !== null) return 'ERR FAILOVER is not valid when server is a replica.';
    if (repl.replicas.size === 0) return 'ERR FAILOVER requires connected replicas.';
    if (req.force && (req.timeoutMs === 0 || req.host === undefined)) return 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.';
    if (req.host !== undefined) {
      const target = this.findReplica(req.host, req.port);
      if (target === undefined) return 'ERR FAILOVER target HOST and PORT is not a replica.';
      if (target.state !== 'online') return 'ERR FAILOVER target replica is not online.';
      this.targetHost = req.host;
      this.targetPort = req.port;
      log.notice(`FAILOVER requested to ${req.host}:${req.port}.`);
    } else {
      this.targetHost = undefined;
      log.notice('FAILOVER requested to any replica.');
    }
    this.endTime = req.timeoutMs > 0 ? Date.now() + req.timeoutMs : 0;
    this.force = req.force;
    this.state = 'waiting-for-sync';
    const pause = repl.server.pause;
    pause.until = Number.MAX_SAFE_INTEGER;
    pause.mode = 'write';
    if (pause.timer !== undefined) clearTimeout(pause.timer);
    pause.timer = undefined;
    return undefined;
  }

  abort(reason: string): void {
    if (this.state === 'no-failover') return;
    this.repl.server.log.notice(`FAILOVER to ${this.targetHost ?? 'any replica'}${this.targetHost !== undefined ? `:${this.targetPort}` : ''} aborted: ${reason}`);
    const wasInProgress = this.state === 'failover-in-progress';
    this.clear();
    // We had already turned into a replica of the target: back to master.
    if (wasInProgress) this.repl.promote('failover aborted');
  }

  /** The new master answered our PSYNC FAILOVER: the failover is complete. */
  completed(): void {
    if (this.state !== 'failover-in-progress') return;
    this.repl.server.log.notice('Failover completed.');
    this.clear();
  }

  private clear(): void {
    this.state = 'no-failover';
    this.targetHost = undefined;
    this.endTime = 0;
    this.force = false;
    unpauseAll(this.repl.server);
  }

  /** Called from the replication cron: time out, or fail over once the target caught up. */
  cron(): void {
    if (this.state !== 'waiting-for-sync') return;
    const repl = this.repl;
    if (this.endTime > 0 && Date.now() >= this.endTime) {
      if (this.force && this.targetHost !== undefined) {
        repl.server.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.failOverTo(this.targetHost, this.targetPort);
      } else this.abort('Replica never caught up before timeout');
      return;
    }
    const offset = repl.masterReplOffset;
    let target = this.targetHost !== undefined ? this.findReplica(this.targetHost, this.targetPort) : undefined;
    if (this.targetHost === undefined) {
      for (const link of repl.replicas.values()) {
        if (link.state === 'online' && link.ackOffset === offset) {
          target = link;
          break;
        }
      }
    }
    if (target !== undefined && target.ackOffset === offset) {
      repl.server.log.notice(`Failover target ${target.ip}:${target.port} is synced, failing over.`);
      this.failOverTo(target.ip, target.port);
    }
  }

  private failOverTo(host: string, port: number): void {
    this.state = 'failover-in-progress';
    this.targetHost = host;
    this.targetPort = port;
    this.repl.replicaOf(host, port, 'failover');
  }

  private findReplica(host: string, port: number) {
    for (const link of this.repl.replicas.values()) if (link.ip === host && link.port === port) return link;
    return undefined;
  }
}
