// The one place that turns an argv into a remote shell command line. Every argument is quoted
// for a POSIX shell, so no input can become shell syntax: it reaches the program as one argv
// element, byte for byte.
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes("\0")) throw new Error("a command argument cannot contain a NUL byte");
  if (PLAIN.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("empty command");
  return argv.map(quoteArg).join(" ");
}
