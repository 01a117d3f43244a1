// Unit tests run without nodes: check asks no node's pcs about agents (its questions pass
// unjudged, as when a node cannot be reached), nor about its options (the built-in lists judge
// them, without a notice). The agent check itself is tested against a loopback sshd and this
// host's pcs in tests/unit/providers/checks/agent-check.test.ts.
import { useNodeFacts } from "../../providers/checks/node-facts";
import { useAgentJudge } from "../../providers/runtime";

useAgentJudge(async () => null);
useNodeFacts(
  async () => null,
  () => undefined,
);
