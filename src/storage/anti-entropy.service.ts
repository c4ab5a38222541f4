/**
 * Anti-entropy: every interval this node compares, with one random alive member, the keys
 * placement gives to both of them (bucket digests, see sync-digest.ts), then pushes what is
 * newer here and pulls what is newer there: manifests with the chunks the other side lacks,
 * and tombstones. A node that was down or cut off converges within a few rounds of coming
 * back, deletes reach it before anything could be read back from it, a node that joins
 * receives the keys placement now gives it, and a key held here but no longer placed here is
 * handed off and dropped only once every placed holder confirmed a copy.
 *
 * Placement for repair counts members dead for less than --repair-grace, so a restart does
 * not shuffle data; after the grace the next holders in rendezvous order take over. Membership
 * events start a round at once (repair-trigger.ts) besides the periodic ones.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { describeError } from '../common/errors';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { MembershipService } from '../gossip/membership.service';
import { MEMBERSHIP_CHANGE, MembershipChange } from '../gossip/membership.types';
import { FileRepository } from '../peer-repository/file.repository';
import { TombstoneRepository } from '../peer-repository/tombstone.repository';
import { NodeIdentity } from '../transport/node-identity';
import { LocalReplica } from './local-replica';
import { placeKey } from './placement';
import { ReplicaRouter } from './replica-router';
import { BUCKETS, DigestCursor, PRINTS_PER_PAGE, SyncEntry, bucketOf, comparePrintedKeys, differingBuckets, digestPage, keyPrint, planSync } from './sync-digest';
import { SharedView, SharedViews, entriesIn, entriesOfPrints, printPage, recordsIn } from './shared-views';
import { DigestReply, EntriesReply } from './sync.types';
import { HANDOFF_KEYS_PER_ROUND, SYNC_INTERVAL_MS } from './sync-timings';
import { compareVersions } from './version';
import { QuarantineService } from './quarantine.service';
import { RepairTrigger } from './repair-trigger';
import { TombstoneSettler, tombstoneExpired } from './tombstone-settler';
import { AbortSettler } from './abort-settler';
import { StoreOutcomeRepository } from '../peer-repository/store-outcome.repository';
import { ON_ITS_WAY, SyncTransfer } from './sync-transfer';
import { ShortOf } from './short-of';
import { SYNC_BATCHES_IN_FLIGHT, SYNC_BATCH_KEYS } from './sync-batch';

export interface SyncRoundResult {
  peer: string;
  pushed: number;
  pulled: number;
  failed: number;
  /** Pulls that failed: a round without any tells this node everything the peer knows. */
  pullFailed: number;
}

@Injectable()
export class AntiEntropyService implements OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private readonly logger = new Logger('AntiEntropy');
  /** Listeners told about every finished round (metrics, quarantine). */
  onRound: ((result: SyncRoundResult | { error: string }) => void) | undefined;
  /** Told, during a round, how many repairs remain and how many keys are known short of a copy. */
  onPending: ((pending: number, underReplicated: number) => void) | undefined;
  /** Keys whose last push to some peer failed, by peer: under-replicated until a push succeeds. */
  private readonly shortOf = new ShortOf();
  private readonly trigger: RepairTrigger;
  /** A membership change asked for a round while one was running: run again after it. */
  private rerun: { peer?: string } | undefined;
  private readonly onMembershipChange = (change: MembershipChange) => this.trigger.onChange(change);
  private readonly views: SharedViews;
  /** Data generation and members of the last handoff pass that found no stray key. */
  private handedOffAt = '';

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly membership: MembershipService,
    private readonly files: FileRepository,
    private readonly tombstones: TombstoneRepository,
    private readonly local: LocalReplica,
    private readonly router: ReplicaRouter,
    private readonly quarantine: QuarantineService,
    private readonly settler: TombstoneSettler,
    private readonly abortSettler: AbortSettler,
    private readonly outcomes: StoreOutcomeRepository,
    private readonly transfer: SyncTransfer,
  ) {
    this.views = new SharedViews(files, tombstones, outcomes, identity.nodeId, config.replicas);
    const holdsData = async () => (await files.count()) > 0 || (await tombstones.count()) > 0;
    this.trigger = new RepairTrigger(config.repairGraceMs, holdsData, (peer) => this.runSoon(peer));
  }

  start(): void {
    this.membership.changes.on(MEMBERSHIP_CHANGE, this.onMembershipChange);
    this.schedule();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.membership.changes.off(MEMBERSHIP_CHANGE, this.onMembershipChange);
    this.trigger.stop();
  }

  /** A round now, or right after the one running. */
  private runSoon(peer?: string): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = { peer };
      return;
    }
    void this.runLogged(peer);
  }

  /** A round whose failure is logged rather than thrown. */
  private runLogged(peer?: string): Promise<unknown> {
    return this.runOnce(peer).catch((err) => this.logger.warn(`anti-entropy round failed: ${describeError(err)}`));
  }

  /** Runs one round now (the timer, membership changes and tests call this); rounds never overlap. */
  async runOnce(peerId?: string): Promise<SyncRoundResult | undefined> {
    if (this.running) return undefined;
    this.running = true;
    try {
      // Checked first: a node that has gone stale is quarantined before it pushes anything.
      const quarantined = this.quarantine.active;
      await this.settler.settle();
      await this.abortSettler.settle();
      this.transfer.promised.prune();
      const alive = this.membership.alive().map((m) => m.nodeId);
      if (!quarantined) await this.handOff();
      if (this.membership.upIds().length === 1) await this.quarantine.alone();
      if (alive.length === 0) return undefined;
      // In quarantine, go through every member in turn; otherwise pick one at random.
      const choices = this.quarantine.active ? this.quarantine.pending(alive) : alive;
      const pool = choices.length ? choices : alive;
      const peer = peerId ?? pool[Math.floor(Math.random() * pool.length)];
      const result = await this.syncWith(peer);
      if (result.pullFailed === 0) await this.quarantine.roundCompleted(peer, alive);
      this.onRound?.(result);
      return result;
    } catch (err) {
      this.onRound?.({ error: describeError(err) });
      throw err;
    } finally {
      this.running = false;
      const again = this.rerun;
      this.rerun = undefined;
      if (again) setImmediate(() => this.runSoon(again.peer));
    }
  }

  /**
   * The entries this node has for keys placement gives to both it and `peer`, and every abort
   * it holds (each member keeps them all: see abort-settler.ts).
   */
  async sharedEntries(peer: string): Promise<SyncEntry[]> {
    return entriesIn(await this.shared(peer));
  }

  /**
   * What this node shares with `peer` (shared-views.ts), kept until the data or the placement
   * members change: with 100,000 keys, deriving it whole costs about a second of CPU.
   */
  private shared(peer: string): Promise<SharedView> {
    return this.views.of(peer, this.membership.repairPlacementIds(this.config.repairGraceMs));
  }

  /**
   * Server side of a round: compare the caller's digests with ours, return the prints of our
   * keys in the differing buckets (one page of them), and say whether this node is quarantined
   * (then a caller that is not takes nothing from it; one that is quarantined too pulls what is
   * newer, as this node does from it).
   */
  async answerDigest(peer: string, digests: unknown, after?: DigestCursor): Promise<DigestReply> {
    const quarantined = this.quarantine.active;
    const theirs = Array.isArray(digests) && digests.length === BUCKETS ? digests.map(String) : new Array<string>(BUCKETS).fill('');
    const view = await this.shared(peer);
    const differing = differingBuckets(view.digests, theirs);
    const page = printPage(view, differing, after, PRINTS_PER_PAGE);
    return { differing, blob: page.blob, ...(page.next ? { next: page.next } : {}), quarantined };
  }

  /** Every entry we share with the caller of the keys with these prints (a page of them), for a caller comparing prints. */
  async answerEntries(peer: string, prints: readonly string[], after?: DigestCursor): Promise<EntriesReply> {
    return digestPage(entriesOfPrints(await this.shared(peer), new Set(prints)), after);
  }

  private async syncWith(peer: string): Promise<SyncRoundResult> {
    const view = await this.shared(peer);
    const reply = await this.router.syncDigest(peer, [...view.digests]);
    const differing = new Set(reply.differing.filter((b) => Number.isInteger(b) && b >= 0 && b < BUCKETS));
    // Key by key as prints first; full entries only of the keys that differ (sync-digest.ts).
    const compared = comparePrintedKeys(recordsIn(view, differing), reply.prints);
    const theirEntries = (await this.router.syncEntries(peer, compared.ask)).filter((e) => differing.has(bucketOf(e.key)));
    const plan = planSync(compared.differ, theirEntries);
    const quarantined = this.quarantine.active;
    // Nothing is ever dropped because the peer lacks it. A quarantined node pushes nothing; a
    // quarantined peer's entries wait for its release unless this node is quarantined too.
    // An expired tombstone goes only where it still deletes something (see tombstone-settler),
    // an expired abort only where its version is held (abort-settler). Which keys the peer holds
    // its prints say; which versions, its entries of the keys that differ (for a key whose
    // entries are the same on both sides nothing is sent at all).
    const held = (keys: { has(key: string): boolean }, entries: SyncEntry[]) => ({ keys, versions: new Set(entries.filter((e) => e.kind === 'm').map((e) => `${e.key}\u0000${e.version}`)) });
    const live = (e: SyncEntry, other: ReturnType<typeof held>) =>
      e.kind === 'm' || (e.kind === 't' ? other.keys.has(e.key) : other.versions.has(`${e.key}\u0000${e.version}`)) || !tombstoneExpired(e.version, Date.now(), this.config.tombstoneTtlMs);
    const theirs = held({ has: (key) => reply.prints.has(keyPrint(key)) }, theirEntries);
    // Every key held here that the peer's entries name differs (its prints would match
    // otherwise), so this node's entries of the differing keys say what it holds of them.
    const ours = held(new Set(compared.differ.map((e) => e.key)), compared.differ);
    const pushes = quarantined ? [] : plan.push.filter((e) => live(e, theirs));
    const pulls = reply.quarantined && !quarantined ? [] : plan.pull.filter((e) => live(e, ours));
    let pushed = 0;
    let pulled = 0;
    let failed = 0;
    let pullFailed = 0;
    this.shortOf.reset(peer, pushes.map((e) => e.key));
    let pending = pushes.length + pulls.length;
    this.reportPending(pending);
    const settle = (key: string, isPull: boolean, error: unknown) => {
      if (error === ON_ITS_WAY) {
        pullFailed += 1;
      } else if (error !== undefined) {
        this.fail(`${isPull ? `pull "${key}" from` : `push "${key}" to`} ${peer.slice(0, 8)}`, error, () => ((failed += 1), isPull && (pullFailed += 1)));
      } else if (isPull) {
        pulled += 1;
      } else {
        pushed += 1;
        this.shortOf.landed(peer, key);
      }
      this.reportPending(--pending);
    };
    const settleBatch = (isPull: boolean) => (outcome: Map<string, unknown>) => outcome.forEach((error, key) => settle(key, isPull, error));
    // Aborts and tombstones one at a time, before any manifest; manifests in batches (sync-transfer.ts).
    for (const e of pushes.filter((x) => x.kind !== 'm')) {
      const sent = e.kind === 't' ? this.router.tombstone(peer, e.key, e.version) : this.router.abort(peer, e.key, e.version);
      await sent.then(() => settle(e.key, false, undefined), (err) => settle(e.key, false, err ?? 'failed'));
    }
    await this.transfer.push(peer, pushes.filter((x) => x.kind === 'm'), settleBatch(false));
    for (const e of pulls.filter((x) => x.kind !== 'm')) {
      const applied = e.kind === 't' ? this.local.applyTombstone(e.key, e.version) : this.local.applyAbort(e.key, e.version);
      await applied.then(() => settle(e.key, true, undefined), (err) => settle(e.key, true, err ?? 'failed'));
    }
    // A large catch-up (a node back empty) is pulled from every member that is up at once.
    const manifestPulls = pulls.filter((x) => x.kind === 'm');
    const helpers = manifestPulls.length > SYNC_BATCH_KEYS * SYNC_BATCHES_IN_FLIGHT ? this.membership.alive().map((m) => m.nodeId).filter((id) => id !== peer) : [];
    await this.transfer.pull(peer, manifestPulls, settleBatch(true), helpers);
    if (pushed || pulled) this.logger.log(`synced with ${this.membership.addressOf(peer) ?? peer}: pushed ${pushed}, pulled ${pulled}${failed ? `, ${failed} failed` : ''}`);
    return { peer, pushed, pulled, failed, pullFailed };
  }

  private reportPending(pending: number): void {
    this.shortOf.prune((peer) => this.membership.addressOf(peer) !== undefined);
    this.onPending?.(pending, this.shortOf.size);
  }

  /**
   * Keys held here that placement no longer gives to this node: make sure every placed holder
   * has the same or a newer version (copying it where missing), then drop the local copy.
   */
  private async handOff(): Promise<void> {
    const members = this.membership.placementIds();
    const self = this.identity.nodeId;
    // A pass that found nothing to hand off holds until the data or the members change.
    const state = `${this.files.generation()}|${members.join(',')}`;
    if (state === this.handedOffAt) return;
    const stray = await this.views.stray(members, HANDOFF_KEYS_PER_ROUND);
    if (stray.length === 0) this.handedOffAt = state;
    for (const key of stray) {
      const manifest = await this.files.get(key);
      if (!manifest) continue;
      const holders = placeKey(key, members, this.config.replicas);
      let confirmed = 0;
      for (const holder of holders) {
        try {
          const report = await this.router.report(holder, key);
          const newest = [report.manifest?.version, report.tombstone?.version].filter((v): v is string => Boolean(v)).sort().pop();
          if (!newest || compareVersions(newest, manifest.version) < 0) await this.transfer.copyManifestTo(holder, manifest);
          confirmed += 1;
        } catch (err) {
          this.logger.debug(`handoff of "${key}" to ${holder.slice(0, 8)} not confirmed: ${describeError(err)}`);
        }
      }
      if (confirmed === holders.length) {
        await this.local.dropManifest(key, manifest.version);
        this.logger.log(`handed off "${key}" to its ${holders.length} placed holder(s); local copy dropped`);
      }
    }
  }

  private fail(what: string, err: unknown, count: () => void): void {
    count();
    this.logger.warn(`${what} failed: ${describeError(err)}`);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runLogged().finally(() => this.schedule());
    }, SYNC_INTERVAL_MS[this.config.gossipProfile]);
    this.timer.unref();
  }
}
