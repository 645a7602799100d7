// Comment text for the generated files. The Nix printer prints a comment's lines as given, so
// long sentences are wrapped here, to keep every line of a generated file within 100 columns:
// commented entries sit at most 8 columns deep in configuration.nix and 12 in disko.nix.
export const WIDTH = { configuration: 90, disko: 86 } as const;

/** Greedy word wrap of one paragraph. */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join("\n");
}

/** Comment text: each "\n"-separated paragraph wrapped. */
export function note(text: string, width: number): string {
  return text
    .split("\n")
    .map((paragraph) => wrap(paragraph, width))
    .join("\n");
}

/** Entry metadata carrying a comment wrapped for `file`. */
export function commentFor(file: keyof typeof WIDTH): (text: string) => { comment: string } {
  return (text) => ({ comment: note(text, WIDTH[file]) });
}
