/**
 * A 5-node cluster partitioned 2|3 by iptables while both sides take stores, overwrites and
 * deletes, then healed; checked against the ledger of what the clients were told
 * (test/helpers/fault-scenario.ts). The minority holds at most two of any key's three placed
 * holders, so it must not acknowledge a store its placed holders did not confirm (issue #11
 * item 14).
 */
import { describeFaultScenario } from '../helpers/fault-scenario';

describeFaultScenario({
  title: 'a 2|3 partition during stores, overwrites and deletes',
  fault: (cluster, small, large) => cluster.partition(small, large),
  ops: 14,
});
