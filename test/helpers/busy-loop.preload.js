// Test preload for a node process: on SIGUSR2 it starts starving its own event loop (busy for
// 150 ms out of every 200 ms), as a node under heavy CPU load would; SIGUSR2 again stops it.
'use strict';
let timer;
process.on('SIGUSR2', () => {
  if (timer) {
    clearInterval(timer);
    timer = undefined;
    return;
  }
  timer = setInterval(() => {
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // spin
    }
  }, 200);
});
