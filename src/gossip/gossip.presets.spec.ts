import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GOSSIP_PRESETS, validateSwimConfig } from './gossip.presets';
import { suspicionBounds } from './swim/suspicion';
import { InvalidSwimConfigError } from './swim/swim.errors';

describe('GOSSIP_PRESETS', () => {
  for (const [name, preset] of Object.entries(GOSSIP_PRESETS)) {
    it(`${name} is a valid configuration`, () => {
      assert.equal(validateSwimConfig(preset), preset);
      assert.ok(preset.tickMs <= preset.probeTimeoutMs / 2, 'ticks fine enough to time a probe');
      assert.ok(preset.gossipIntervalMs < preset.probeIntervalMs);
    });
  }

  it('lan leaves room under 0.75 x Serf LAN failure detection (N=10: 5.8 s, N=50: 8.6 s)', () => {
    // A confirmed suspicion takes the minimum timeout; detection and dissemination need a
    // few probe intervals on top (measured in the simulator: see docs/membership.md).
    const lan = GOSSIP_PRESETS.lan;
    assert.ok(suspicionBounds(lan, 10).minMs + 4 * lan.probeIntervalMs <= 0.75 * 5800);
    assert.ok(suspicionBounds(lan, 50).minMs + 4 * lan.probeIntervalMs <= 0.75 * 8600);
  });
});

describe(validateSwimConfig.name, () => {
  it('lists every bad value in one error', () => {
    assert.throws(
      () => validateSwimConfig({ ...GOSSIP_PRESETS.lan, tickMs: 0, indirectChecks: 1.5, probeTimeoutMs: 900 }),
      (e: unknown) =>
        e instanceof InvalidSwimConfigError &&
        e.code === 'INVALID_SWIM_CONFIG' &&
        e.problems.length === 3 &&
        /tickMs=0/.test(e.message) &&
        /indirectChecks=1.5/.test(e.message) &&
        /probeTimeoutMs=900/.test(e.message),
    );
  });
});
