/**
 * Which member to probe next: round-robin over a shuffled member list, reshuffled on every
 * pass (SWIM section 4.3). Unlike picking at random, this bounds the time until a failed
 * member is probed by some member to one pass, while keeping targets unpredictable.
 */
export class ProbeOrder {
  private order: string[] = [];
  private pos = 0;

  constructor(private readonly random: () => number) {}

  /** A new member goes to a random place in what is left of this pass, so it is probed soon. */
  add(nodeId: string): void {
    this.order.push(nodeId);
    const last = this.order.length - 1;
    const start = Math.min(this.pos, last);
    const j = start + Math.floor(this.random() * (last - start + 1));
    [this.order[last], this.order[j]] = [this.order[j], this.order[last]];
  }

  /**
   * The next eligible member. At the end of a pass the order is rebuilt from `candidates()`
   * and shuffled; members that stopped being eligible are skipped (and dropped at the next pass).
   */
  next(eligible: (nodeId: string) => boolean, candidates: () => readonly string[]): string | undefined {
    let rebuilt = false;
    for (;;) {
      if (this.pos >= this.order.length) {
        if (rebuilt) return undefined;
        this.order = shuffle([...candidates()], this.random);
        this.pos = 0;
        rebuilt = true;
        if (this.order.length === 0) return undefined;
      }
      const id = this.order[this.pos++];
      if (eligible(id)) return id;
    }
  }
}

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
