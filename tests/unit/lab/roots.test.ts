import { loadLabConfig } from "../../../lab/config";
import { mirrorIn, rootOf, versionsIn } from "../../../lab/roots";

describe("the roots of the lab's generations", () => {
  test("bookworm runs the host's files; trixie a root of its own in the root cache", () => {
    const config = loadLabConfig({ PCMK_LAB_ROOT_CACHE: "/var/cache/x" });
    expect(rootOf(config, "bookworm")).toBeNull();
    expect(rootOf(config, "trixie")).toBe("/var/cache/x/trixie");
  });

  test("LAB_RELEASE names a known generation, or is refused with the list", () => {
    expect(loadLabConfig({ LAB_RELEASE: "trixie" }).release).toBe("trixie");
    expect(loadLabConfig({}).release).toBeUndefined();
    expect(() => loadLabConfig({ LAB_RELEASE: "sid" })).toThrow(
      "LAB_RELEASE=sid: the lab's generations are bookworm, trixie",
    );
  });

  test("the host's Debian mirror, from a one-line or a deb822 sources file, never a security one", () => {
    expect(mirrorIn("deb http://security.example/debian-security bookworm-security main\n")).toBeUndefined();
    expect(mirrorIn("# comment\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n")).toBe(
      "http://mirror.example/debian",
    );
    const deb822 = [
      "Types: deb",
      "URIs: http://security.example/debian-security",
      "Suites: bookworm-security",
      "",
      "Types: deb deb-src",
      "URIs: http://mirror.example/debian",
      "Suites: bookworm bookworm-updates",
      "Components: main",
    ].join("\n");
    expect(mirrorIn(deb822)).toBe("http://mirror.example/debian");
  });

  test("versions come from a root's package database; a root without the stack has none", () => {
    expect(versionsIn("/nonexistent-root")).toEqual({ pcs: null, pacemaker: null, corosync: null });
  });
});
