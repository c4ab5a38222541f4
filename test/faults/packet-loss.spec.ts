/**
 * 30% packet loss (each packet, both ways) between a group of two and a group of three of a
 * 5-node cluster while both groups take stores, overwrites and deletes; checked against the
 * ledger of what the clients were told (test/helpers/fault-scenario.ts). What went wrong
 * here before (issue #11 item 13): a store reported failed ("lost to a concurrent store")
 * whose copy anti-entropy had already spread, and which later replaced an acknowledged write.
 * Seen again here before the fix in 1 of 2 runs: a fresh key's store told SUPERSEDED, naming
 * its own version, and its copy on three nodes after the heal.
 */
import { describeFaultScenario } from '../helpers/fault-scenario';

describeFaultScenario({
  title: '30% packet loss between two groups during writes',
  fault: (cluster, small, large) => cluster.loss(small, large, 0.3),
  ops: 20,
});
