// Test preload for a node process: its wall clock (Date.now and new Date()) runs
// P2P_TEST_CLOCK_OFFSET_MS milliseconds off the machine's, as on a host whose clock is wrong.
'use strict';
const offset = Number(process.env.P2P_TEST_CLOCK_OFFSET_MS ?? 0);
const RealDate = Date;
const realNow = RealDate.now;
class OffsetDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(realNow() + offset);
    else super(...args);
  }
  static now() {
    return realNow() + offset;
  }
}
globalThis.Date = OffsetDate;
