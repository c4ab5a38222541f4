/** A progress bar on a terminal (stderr), nothing at all when stderr is piped. */
import { SingleBar, Presets } from 'cli-progress';
import { formatBytes } from '../config/units';

export interface Progress {
  update(bytes: number): void;
  stop(): void;
}

export function startProgress(label: string, totalBytes: number): Progress {
  if (!process.stderr.isTTY || totalBytes <= 0) return { update() {}, stop() {} };
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done} / {size} | {speed}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(totalBytes, 0, { done: formatBytes(0), size: formatBytes(totalBytes), speed: '' });
  return {
    update(bytes) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(bytes, { done: formatBytes(bytes), speed: `${formatBytes(bytes / seconds)}/s` });
    },
    stop() {
      bar.stop();
    },
  };
}
