// A tiny Markdown builder for generated documents: one escaper for table cells, nothing else.

/** Table cells cannot hold a pipe or a line break. */
export const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export function md() {
  const blocks: string[] = [];
  return {
    h(level: number, text: string) {
      blocks.push(`${"#".repeat(level)} ${text}`);
    },
    p(text: string) {
      blocks.push(text);
    },
    list(items: string[]) {
      blocks.push(items.map((i) => `- ${i}`).join("\n"));
    },
    fence(lang: string, body: string) {
      blocks.push(`\`\`\`${lang}\n${body}\n\`\`\``);
    },
    table(head: string[], rows: string[][]) {
      if (rows.length === 0) {
        blocks.push("_(none)_");
        return;
      }
      const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
      blocks.push([line(head), `|${head.map(() => " --- |").join("")}`, ...rows.map(line)].join("\n"));
    },
    toString() {
      return `${blocks.join("\n\n")}\n`;
    },
  };
}
