import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemberState, supersedes } from './member';

describe(supersedes.name, () => {
  // [news state, news incarnation, known state, known incarnation, news wins]
  const table: Array<[MemberState, number, MemberState, number, boolean]> = [
    ['alive', 2, 'alive', 1, true],
    ['alive', 1, 'alive', 1, false],
    ['alive', 1, 'suspect', 1, false],
    ['alive', 2, 'suspect', 1, true], // refutation
    ['alive', 2, 'dead', 1, true], // recovered
    ['alive', 2, 'left', 1, true], // came back after leaving
    ['suspect', 1, 'alive', 1, true],
    ['suspect', 0, 'alive', 1, false], // stale accusation
    ['dead', 1, 'suspect', 1, true],
    ['dead', 1, 'alive', 1, true],
    ['dead', 1, 'left', 1, false], // left is final for its incarnation
    ['left', 1, 'dead', 1, true],
    ['suspect', 1, 'dead', 1, false],
    ['left', 0, 'alive', 1, false],
  ];
  for (const [state, inc, knownState, knownInc, wins] of table) {
    it(`${state}@${inc} over ${knownState}@${knownInc}: ${wins ? 'replaces' : 'ignored'}`, () => {
      assert.equal(supersedes({ state, incarnation: inc }, { state: knownState, incarnation: knownInc }), wins);
    });
  }
});
