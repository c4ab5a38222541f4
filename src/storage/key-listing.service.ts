/**
 * Lists the keys of the whole cluster under a prefix, from any node: asks this node and every
 * alive member for a page of what it holds (`storage.keys.page`) at once and merges the pages
 * (see key-listing.ts). A page costs one query per member, each three indexed range scans of at
 * most `limit` rows; a member that does not answer in time is left out and logged, so a key
 * whose every holder is unreachable is not listed (a get of it would fail too).
 */
import { Injectable, Logger } from '@nestjs/common';
import { describeError } from '../common/errors';
import { MembershipService } from '../gossip/membership.service';
import { KeyPageRepository } from '../peer-repository/key-page.repository';
import { PeerConnectionPool } from '../transport/connection-pool';
import { KeyListing, KeyPage, compareKeys, mergeKeyPages } from './key-listing';
import { StorageProtocolError } from './storage-protocol.errors';

export const KeyListingPatterns = { page: 'storage.keys.page' } as const;

export const MAX_LIST_LIMIT = 1000;
const PAGE_TIMEOUT_MS = 5_000;
/** Entries per page when asking only whether a prefix holds any key (tombstones may come first). */
const ANY_PAGE_LIMIT = 100;
/**
 * A page's reply must fit one message's JSON part (1 MiB) with room to spare: manifests (with
 * their metadata) may take this much of it, tombstones and aborts a quarter of it each.
 */
const MAX_PAGE_CHARS = 600 * 1024;
/** Characters an entry takes in a reply besides its key and metadata, counted generously. */
const ENTRY_CHARS = 200;

export interface KeyListRequest {
  prefix: string;
  /** List keys after this one ('' for the first page). */
  after: string;
  limit: number;
}

@Injectable()
export class KeyListingService {
  private readonly logger = new Logger('Storage');

  constructor(
    private readonly membership: MembershipService,
    private readonly pool: PeerConnectionPool,
    private readonly keys: KeyPageRepository,
  ) {}

  async list(request: KeyListRequest): Promise<KeyListing> {
    const req = checkRequest(request);
    const members = this.membership.alive();
    const asked = await Promise.allSettled([
      this.localPage(req),
      ...members.map((m) => this.pool.request<KeyPage>(m.address, KeyListingPatterns.page, req, PAGE_TIMEOUT_MS)),
    ]);
    const pages: KeyPage[] = [];
    asked.forEach((r, i) => {
      if (r.status === 'fulfilled' && isPage(r.value)) pages.push(r.value);
      else this.logger.warn(`listing: ${i === 0 ? 'this node' : members[i - 1].nodeId.slice(0, 8)} gave no page (${r.status === 'rejected' ? describeError(r.reason) : 'malformed'})`);
    });
    return mergeKeyPages(pages, req.limit);
  }

  /**
   * Whether any live key starts with `prefix`. A page may hold no live key and still say there
   * is more (its members' tombstones or aborts came first), so pages are followed until a key
   * shows or none is left.
   */
  async hasAny(prefix: string): Promise<boolean> {
    let after = '';
    for (;;) {
      const page = await this.list({ prefix, after, limit: ANY_PAGE_LIMIT });
      if (page.files.length > 0) return true;
      if (page.next === undefined) return false;
      after = page.next;
    }
  }

  /**
   * This node's page: what it holds under the prefix after the key (manifests, tombstones and
   * the aborted versions it knows), trimmed to fit a reply. A list that filled its limit may go
   * on past its last key, so every list is cut at the first such end: the page then speaks for
   * everything up to its last key.
   */
  async localPage(request: KeyListRequest): Promise<KeyPage> {
    const { prefix, after, limit } = checkRequest(request);
    const [files, tombstones, aborted] = await Promise.all([
      this.keys.files(prefix, after, limit),
      this.keys.tombstones(prefix, after, limit),
      this.keys.aborted(prefix, after, limit),
    ]);
    let bound: string | undefined;
    const stopAt = (key: string) => (bound = bound === undefined || compareKeys(key, bound) < 0 ? key : bound);
    for (const list of [files, tombstones, aborted]) if (list.length >= limit) stopAt(list[list.length - 1].key);
    // Too large for one reply: stop at the last entry that fits.
    const fit = (list: Array<{ key: string; meta?: object }>, budget: number) => {
      let chars = 0;
      const over = list.findIndex((x) => (chars += x.key.length + ENTRY_CHARS + (x.meta ? JSON.stringify(x.meta).length : 0)) > budget);
      if (over >= 0) stopAt(list[Math.max(0, over - 1)].key);
    };
    fit(files, MAX_PAGE_CHARS);
    fit(tombstones, MAX_PAGE_CHARS / 4);
    fit(aborted, MAX_PAGE_CHARS / 4);
    if (bound === undefined) return { files, tombstones, aborted, more: false };
    const upTo = <T extends { key: string }>(list: T[]) => list.filter((x) => compareKeys(x.key, bound as string) <= 0);
    return { files: upTo(files), tombstones: upTo(tombstones), aborted: upTo(aborted), more: true };
  }
}

export function checkRequest(x: unknown): KeyListRequest {
  const r = x as KeyListRequest;
  if (typeof r !== 'object' || r === null) throw new StorageProtocolError('list request is not an object');
  if (typeof r.prefix !== 'string' || r.prefix.length > 1024) throw new StorageProtocolError('list prefix invalid');
  if (typeof r.after !== 'string' || r.after.length > 1100) throw new StorageProtocolError('list start invalid');
  if (!Number.isSafeInteger(r.limit) || r.limit < 1 || r.limit > MAX_LIST_LIMIT) throw new StorageProtocolError(`list limit must be 1-${MAX_LIST_LIMIT}`);
  return { prefix: r.prefix, after: r.after, limit: r.limit };
}

function isPage(x: unknown): x is KeyPage {
  const p = x as KeyPage;
  return typeof p === 'object' && p !== null && Array.isArray(p.files) && Array.isArray(p.tombstones) && (p.aborted === undefined || Array.isArray(p.aborted)) && typeof p.more === 'boolean';
}
