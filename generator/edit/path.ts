// Config paths as users and agents write them: instances.grafana.memory, instances.forgejo.volumes[0].size,
// profiles.base.config["boot.autostart.delay"]. The same notation formatPath prints in diagnostics.
import type { PathSegment } from "../shared/diagnostics.ts";

export class PathSyntaxError extends Error {}

export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new PathSyntaxError(`bad config path '${text}': ${why} (write it as in diagnostics, e.g. instances.grafana.memory or instances.forgejo.volumes[0].size)`);
  };
  while (i < text.length) {
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) fail("unclosed [");
      const inner = text.slice(i + 1, close);
      if (/^[0-9]+$/.test(inner)) out.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) out.push(JSON.parse(inner) as string);
      else fail(`[${inner}] is neither an index nor a quoted key`);
      i = close + 1;
      if (i < text.length && text[i] === ".") {
        i++;
        if (i >= text.length) fail("ends with a dot");
      }
      continue;
    }
    let j = i;
    while (j < text.length && text[j] !== "." && text[j] !== "[") j++;
    const seg = text.slice(i, j);
    if (!seg) fail("empty segment");
    out.push(seg);
    i = j;
    if (text[i] === ".") {
      i++;
      if (i >= text.length) fail("ends with a dot");
    }
  }
  if (!out.length) fail("empty path");
  return out;
}
