// Every command's help, options and exit codes, in one table. A new command is one entry in
// COMMANDS (its summary, options, examples and exit codes) plus its case in main.ts; the parser
// accepts exactly the options listed here, and `labgen <command> --help` prints the entry.

export const VERSION = "0.1.0";

/** The documented exit codes (README "Exit codes"); scripts and the GitOps agent rely on them. */
export const EXIT = {
  ok: 0,
  /** The input is refused: invalid config or lock, a placeholder left, an unknown name, a hand-edited output. */
  invalid: 1,
  /** The command line is wrong: unknown command or option, missing or extra arguments. */
  usage: 2,
  /** `labgen plan`: a change would destroy data that allowDestroy does not name. */
  destroyData: 3,
  /** `labgen diff`: out/ or lab.lock.json differ from what `generate` would write. */
  drift: 4,
  /** A bug in labgen (bin/labgen.cjs prints the stack trace). */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const EXIT_TEXT: Record<ExitCode, string> = {
  0: "success",
  1: "refused: the config or lock is invalid or still has a placeholder (each error is printed with its file:line)",
  2: "usage error: unknown command or option, or wrong arguments",
  3: "the plan would destroy data that allowDestroy does not name",
  4: "drift: out/ or lab.lock.json differ from what `labgen generate` would write",
  70: "internal error: a bug in labgen (please report it with the printed stack trace)",
};

export interface OptionHelp {
  /** "--json" */
  readonly flag: string;
  /** Placeholder of the value ("<file>"); a flag without one is a switch. */
  readonly value?: string;
  /** May be given several times (the values are collected in order). */
  readonly repeatable?: boolean;
  readonly text: string;
}

export interface CommandHelp {
  /** "generate", or "lock prune" for a command with a sub-command. */
  readonly name: string;
  /** Positional arguments as shown in the usage line, e.g. "<name>". */
  readonly args?: string;
  readonly summary: string;
  readonly description: readonly string[];
  /** Reads the lab (accepts --config, --lock, --out). */
  readonly readsLab: boolean;
  readonly options: readonly OptionHelp[];
  readonly examples: readonly string[];
  /** Besides 0 and 2, which every command can return. */
  readonly exits: readonly ExitCode[];
}

/** Options of every command that reads the lab. */
export const LAB_OPTIONS: readonly OptionHelp[] = [
  { flag: "--config", value: "<file>", text: "the lab's config file (default: lab.config.ts)" },
  { flag: "--lock", value: "<file>", text: "the lock file (default: lab.lock.json next to the config)" },
  { flag: "--out", value: "<dir>", text: "the output directory (default: out next to the config)" },
];

export const COMMON_OPTIONS: readonly OptionHelp[] = [
  { flag: "--help", text: "this help (also -h)" },
];

export const COMMANDS: readonly CommandHelp[] = [
  {
    name: "init",
    summary: "write a starter lab.config.ts, with a placeholder for each fact only you know",
    description: [
      "Writes a commented starter lab.config.ts that asks nothing: one host, one bridge, one",
      "container. The values labgen cannot guess (disk ids, your SSH key, the NIC name, the git",
      "repository and its host key) are marked REPLACE_ME; `labgen check` names each one still to",
      "fill, with its line and the command that finds the real value. Never overwrites a config",
      "unless --force, which also starts a new lab.lock.json (the old one stays in git history).",
    ],
    readsLab: false,
    options: [
      { flag: "--config", value: "<file>", text: "where to write the config (default: lab.config.ts)" },
      { flag: "--name", value: "<name>", text: "the lab's name (default: homelab)" },
      { flag: "--domain", value: "<domain>", text: "the internal DNS domain (default: lab.home.arpa)" },
      { flag: "--host", value: "<name>", text: "the host's name (default: server)" },
      { flag: "--disk", value: "<id>", repeatable: true, text: "a disk of the host by id (/dev/disk/by-id/…); repeat for a mirror (2) or raidz1 (3+)" },
      { flag: "--nic", value: "<name>", text: "the host's LAN interface, as `ip -br link` on the host names it" },
      { flag: "--ssh-key", value: "<key>", text: 'your SSH public key line ("ssh-ed25519 AAAA… you@laptop")' },
      { flag: "--repository", value: "<url>", text: "the SSH URL of this repository, which the host pulls (git@host:you/lab.git)" },
      { flag: "--force", text: "replace an existing config, and start a new lab.lock.json" },
    ],
    examples: [
      "labgen init",
      "labgen init --host nas --disk /dev/disk/by-id/nvme-A --disk /dev/disk/by-id/nvme-B",
      'labgen init --ssh-key "$(cat ~/.ssh/id_ed25519.pub)" --repository "$(git remote get-url origin)"',
    ],
    exits: [EXIT.invalid],
  },
  {
    name: "generate",
    summary: "write out/ (and new allocations to lab.lock.json)",
    description: [
      "Validates lab.config.ts, allocates what is new (addresses, MACs, hostIds) into",
      "lab.lock.json, and writes every output file under out/, removing the ones no longer made.",
      "A generated file edited by hand is never overwritten without --force. Ends with a one-line",
      "summary of what was written.",
    ],
    readsLab: true,
    options: [
      { flag: "--force", text: "overwrite generated files that were edited by hand (the edits are lost)" },
      { flag: "--timings", text: "print the time of each stage on stderr" },
    ],
    examples: ["labgen generate", "labgen generate --config labs/home.ts --out build/home"],
    exits: [EXIT.invalid],
  },
  {
    name: "check",
    summary: "validate lab.config.ts, lab.lock.json and hosts/<host>/extra.nix; write nothing",
    description: [
      "Every error at once, each with its file:line:column, its config path and what to do.",
      "Placeholders left by `labgen init` are errors here too.",
    ],
    readsLab: true,
    options: [{ flag: "--timings", text: "print the time of each stage on stderr" }],
    examples: ["labgen check", "labgen check --config test/cases/reference/lab.config.ts"],
    exits: [EXIT.invalid],
  },
  {
    name: "diff",
    summary: "show what generate would change (a unified diff); exit 4 on drift",
    description: [
      "Compiles the lab and compares the result with out/ and lab.lock.json without writing",
      "anything. The flake's drift check and the GitOps agent use its exit code.",
    ],
    readsLab: true,
    options: [],
    examples: ["labgen diff", "labgen diff >/dev/null || echo 'run labgen generate'"],
    exits: [EXIT.invalid, EXIT.drift],
  },
  {
    name: "explain",
    args: "<name>",
    summary: "what a host, instance, network, storage pool, profile or route is, where it is defined, and which files it makes",
    description: [
      "Looks the name up among every kind of thing in the lab (a route also by its hostname),",
      "prints what it is, its file:line in the config, and every output file it contributes to.",
      "An unknown name gets a suggestion.",
    ],
    readsLab: true,
    options: [{ flag: "--json", text: "print a JSON object instead of text (kind, name, file, line, files, …)" }],
    examples: ["labgen explain forgejo", "labgen explain git.lab.home.arpa", "labgen explain nas --json"],
    exits: [EXIT.invalid],
  },
  {
    name: "plan",
    summary: "every change since a commit, by risk; exit 3 when data would be destroyed without allowDestroy",
    description: [
      "Compares the lab recorded in <git-ref>'s out/lab.json (default HEAD: the lab as last",
      "committed, e.g. the commit the host runs) with the working lab.config.ts and lists every",
      "change as destroy-data, reboot, replace, restart, host, change or add, each with its config",
      "path and line. destroy-data (a volume, storage pool, ZFS dataset or root disk deleted, or a",
      "volume moved away from its data) is blocked unless allowDestroy names it. A base without",
      "out/lab.json (e.g. the first commit) means everything is an add.",
    ],
    readsLab: true,
    options: [
      { flag: "--base", value: "<git-ref>", text: "the deployed commit to compare with (default: HEAD)" },
      { flag: "--json", text: 'print {"base", "changes", "blocked", "allowDestroy"} for programs' },
    ],
    examples: ["labgen plan", "labgen plan --base origin/main --json"],
    exits: [EXIT.invalid, EXIT.destroyData],
  },
  ...(
    [
      ["set", "<path> <value>", "edit lab.config.ts: set a value (prints the diff and the plan)"],
      ["add", "<path> <json>", "edit lab.config.ts: add a record entry or a list item"],
      ["rm", "<path>", "edit lab.config.ts: remove an entry or an item (and what refers to it)"],
      ["mv", "<path> <new-name>", "edit lab.config.ts: rename an entry and every reference to it"],
      ["mcp", undefined, "serve the lab to AI agents: Model Context Protocol over stdio, guardrails in the server"],
    ] as const
  ).map(
    ([name, args, summary]): CommandHelp => ({
      name,
      args,
      summary,
      // The editing commands parse their own options (generator/edit/cli.ts, loaded only by them).
      description: [`\`labgen ${name} --help\` lists its options, examples and exit codes.`],
      readsLab: true,
      options: [],
      examples: [],
      exits: name === "mcp" ? [] : [EXIT.invalid, EXIT.destroyData],
    }),
  ),
  {
    name: "schema",
    summary: "print the JSON Schema of lab.config.ts (the same as out/labgen.schema.json)",
    description: ["The schema other editors and agents validate the config language with."],
    readsLab: false,
    options: [],
    examples: ["labgen schema > labgen.schema.json"],
    exits: [],
  },
  {
    name: "lock prune",
    summary: "drop lock entries of removed hosts and NICs (frees their addresses)",
    description: [
      "An allocation never moves once made, and a removed instance's address stays reserved",
      "until this command drops it. Run it when the removal is final.",
    ],
    readsLab: true,
    options: [],
    examples: ["labgen lock prune"],
    exits: [EXIT.invalid],
  },
];

/** The entry for `argv`'s command words ("lock", "prune" → "lock prune"), or null. */
export function findCommand(words: readonly string[]): CommandHelp | null {
  const two = words.slice(0, 2).join(" ");
  return COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === words[0]) ?? null;
}

/** Every option a command accepts (its own, the lab options when it reads the lab, --help). */
export function optionsOf(c: CommandHelp): readonly OptionHelp[] {
  const own = new Set(c.options.map((o) => o.flag));
  return [...c.options, ...(c.readsLab ? LAB_OPTIONS.filter((o) => !own.has(o.flag)) : []), ...COMMON_OPTIONS];
}

function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = rows.reduce((w, [a]) => Math.max(w, a.length), 0);
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
}

const exitRows = (codes: readonly ExitCode[]) => [...new Set<ExitCode>([EXIT.ok, ...codes, EXIT.usage])].sort((a, b) => a - b).map((c) => [String(c), EXIT_TEXT[c]] as const);

export function commandHelp(c: CommandHelp): string {
  const opts = optionsOf(c).map((o) => [`${o.flag}${o.value ? ` ${o.value}` : ""}${o.repeatable ? " …" : ""}`, o.text] as const);
  return [
    `labgen ${c.name}: ${c.summary}`,
    "",
    `usage: labgen ${c.name}${c.args ? ` ${c.args}` : ""} [options]`,
    "",
    ...c.description,
    "",
    "options:",
    ...table(opts),
    "",
    "examples:",
    ...c.examples.map((e) => `  ${e}`),
    "",
    "exit codes:",
    ...table(exitRows(c.exits)),
  ].join("\n");
}

export function globalHelp(): string {
  return [
    `labgen ${VERSION}: one lab.config.ts → NixOS, disko, OpenTofu (Incus), Traefik, CA`,
    "",
    "usage: labgen <command> [options]",
    "",
    "commands:",
    ...table(COMMANDS.map((c) => [`${c.name}${c.args ? ` ${c.args}` : ""}`, c.summary])),
    "",
    "`labgen <command> --help` shows a command's options, examples and exit codes.",
    "",
    "options:",
    ...table([
      ["-h, --help", "this help"],
      ["--version", "print the version"],
    ]),
    "",
    "environment:",
    ...table([["NO_COLOR", "set (non-empty): no colour even on a terminal (colour is only ever used on a terminal)"]]),
    "",
    "exit codes:",
    ...table((Object.keys(EXIT_TEXT).map(Number) as ExitCode[]).map((c) => [String(c), EXIT_TEXT[c]] as const)),
  ].join("\n");
}

/** The exit-code table as Markdown (README and docs are checked against it). */
export function exitCodesMarkdown(): string {
  return ["| code | meaning |", "| --- | --- |", ...(Object.keys(EXIT_TEXT).map(Number) as ExitCode[]).map((c) => `| ${c} | ${EXIT_TEXT[c]} |`)].join("\n");
}
