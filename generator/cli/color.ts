// Colour for terminals only: never in a pipe or a file, and never when NO_COLOR is set to a
// non-empty value (https://no-color.org: "when present and not an empty string"), or TERM=dumb.
export type Paint = (style: "red" | "yellow" | "green" | "cyan" | "bold", text: string) => string;

const CODES = { red: 31, yellow: 33, green: 32, cyan: 36, bold: 1 } as const;

export function colorWanted(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.TERM !== "dumb";
}

export function painter(enabled: boolean): Paint {
  return enabled ? (style, text) => `\x1b[${CODES[style]}m${text}\x1b[0m` : (_style, text) => text;
}
