/**
 * Lists the keys of the whole cluster under a prefix, from any node: asks this node and every
 * alive member for a page of what it holds (`storage.keys.page`) at once and merges the pages
 * (see key-listing.ts). A page costs one query per member, each two indexed range scans of at
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
/** A page's reply must fit one message's JSON part (1 MiB) with room to spare. */
const MAX_PAGE_CHARS = 600 * 1024;

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

  /** This node's page: what it holds under the prefix after the key, trimmed to fit a reply. */
  async localPage(request: KeyListRequest): Promise<KeyPage> {
    const { prefix, after, limit } = checkRequest(request);
    const [files, tombstones] = await Promise.all([this.keys.files(prefix, after, limit), this.keys.tombstones(prefix, after, limit)]);
    let more = files.length === limit || tombstones.length === limit;
    let chars = 0;
    const kept = files.findIndex((f) => (chars += f.key.length + 200 + JSON.stringify(f.meta ?? {}).length) > MAX_PAGE_CHARS);
    if (kept >= 0) {
      // Too large for one reply: stop at the last file that fits, and say there is more.
      const last = files[Math.max(0, kept - 1)].key;
      files.length = Math.max(1, kept);
      const graves = tombstones.filter((t) => compareKeys(t.key, last) <= 0);
      return { files, tombstones: graves, more: true };
    }
    return { files, tombstones, more };
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
  return typeof p === 'object' && p !== null && Array.isArray(p.files) && Array.isArray(p.tombstones) && typeof p.more === 'boolean';
}
