import { errorsFirst } from "../../../../providers/transport/messages";

describe("errorsFirst: pcs's error before its warnings", () => {
  test("a warning printed before the error goes after it (the faults run's constraint error)", () => {
    const pcs = [
      "Warning: Validation for node existence in the cluster will be skipped",
      "Error: 'ar-loc38' already exists",
      "Error: Errors have occurred, therefore pcs is unable to continue",
    ].join("\n");
    expect(errorsFirst(pcs)).toBe(
      [
        "Error: 'ar-loc38' already exists",
        "Error: Errors have occurred, therefore pcs is unable to continue",
        "Warning: Validation for node existence in the cluster will be skipped",
      ].join("\n"),
    );
  });

  test("pcs 0.12's deprecation warnings, and a list under an error, keep their lines together", () => {
    const pcs = [
      "Deprecation Warning: Specifying score as a standalone value is deprecated, use 'score=10'",
      "Error: Resource 'r9' does not exist",
      "  allowed: r1, r2",
      "Warning: something else",
    ].join("\n");
    expect(errorsFirst(pcs)).toBe(
      [
        "Error: Resource 'r9' does not exist",
        "  allowed: r1, r2",
        "Deprecation Warning: Specifying score as a standalone value is deprecated, use 'score=10'",
        "Warning: something else",
      ].join("\n"),
    );
  });

  test("text without an error line, or with errors only, is left as it is", () => {
    expect(errorsFirst("Warning: a\nsomething failed")).toBe("Warning: a\nsomething failed");
    expect(errorsFirst("Error: a\nError: b")).toBe("Error: a\nError: b");
    expect(errorsFirst("")).toBe("");
  });
});
