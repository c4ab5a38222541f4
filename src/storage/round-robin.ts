/**
 * Takes bounded batches from a list that is rebuilt each pass, each batch starting where the
 * last one stopped, so entries that cannot be settled yet do not starve the ones after them.
 */
export class RoundRobin {
  private cursor = 0;

  take<T>(due: readonly T[], limit: number): T[] {
    this.cursor = due.length ? this.cursor % due.length : 0;
    const batch = [...due.slice(this.cursor), ...due.slice(0, this.cursor)].slice(0, limit);
    this.cursor += batch.length;
    return batch;
  }
}
