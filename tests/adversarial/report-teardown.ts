// After the adversarial suites: docs/RELIABILITY.md from the figures they left.
import { writeReliabilityReport } from "../support/reliability-report";

export default function teardown(): void {
  writeReliabilityReport();
}
