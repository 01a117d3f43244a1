// How a failed command's own words are shown: pcs prints its warnings (and pcs 0.12 its
// deprecation warnings) before the error that made it fail, so an error message that led with
// pcs's first line would lead with a warning and hide the reason further down.

/** A line that opens pcs's message about an error: "Error: …". */
const ERROR_LINE = /^Error:/;
/** A line that continues the message above it (pcs indents the lists it prints under a message). */
const CONTINUATION = /^\s/;

/**
 * The text with pcs's error messages first, each with the lines that continue it, then the rest
 * (warnings, notes) in their order. Text with no error line, or only error lines, is unchanged.
 */
export function errorsFirst(text: string): string {
  const blocks: string[][] = [];
  for (const line of text.split("\n")) {
    if (blocks.length > 0 && CONTINUATION.test(line) && line.trim() !== "")
      blocks[blocks.length - 1].push(line);
    else blocks.push([line]);
  }
  const isError = (block: string[]) => ERROR_LINE.test(block[0]);
  const errors = blocks.filter(isError);
  if (errors.length === 0 || errors.length === blocks.length) return text;
  const rest = blocks.filter((b) => !isError(b) && !(b.length === 1 && b[0].trim() === ""));
  return [...errors, ...rest].map((b) => b.join("\n")).join("\n");
}
