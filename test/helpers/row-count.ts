/**
 * Counts what a repository hands out: wraps it so that every method resolving to a list (or a
 * Map or Set) adds its size to `rows`, anything else found to 1. A test then sees how much a
 * round read, whatever methods it used to read it.
 */
export function countingRows<T extends object>(repository: T): { repo: T; counted: { rows: number } } {
  const counted = { rows: 0 };
  const sizeOf = (x: unknown) => (Array.isArray(x) ? x.length : x instanceof Map || x instanceof Set ? x.size : x ? 1 : 0);
  const repo = new Proxy(repository, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out: unknown = value.apply(target, args);
        return out instanceof Promise ? out.then((r: unknown) => ((counted.rows += sizeOf(r)), r)) : out;
      };
    },
  });
  return { repo, counted };
}
