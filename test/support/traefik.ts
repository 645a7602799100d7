// Traefik v3 checks for generated YAML: the SchemaStore schemas (ajv), plus our own checks for
// the holes those schemas have (listed in test/fixtures/upstream/traefik/README.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

const dir = fileURLToPath(new URL("../fixtures/upstream/traefik/", import.meta.url));
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

function compile(file: string) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(dir, file), "utf8")));
}

const validateDynamic = compile("traefik-v3-file-provider.json");
const validateStatic = compile("traefik-v3.json");

const schemaErrors = (v: ReturnType<typeof compile>, doc: unknown): string[] =>
  v(doc) ? [] : (v.errors ?? []).map((e) => `schema: ${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`);

// Keys Traefik v3 knows under these parents, where the schema leaves the object open.
const HTTP_KEYS = ["routers", "services", "middlewares", "serversTransports"];
const ROUTER_TLS_KEYS = ["options", "certResolver", "domains"];
const CERT_KEYS = ["certFile", "keyFile", "stores"];
const TLS_OPTION_KEYS = ["minVersion", "maxVersion", "cipherSuites", "curvePreferences", "clientAuth", "sniStrict", "alpnProtocols", "disableSessionTickets"];
const STATIC_TOP = ["global", "serversTransport", "tcpServersTransport", "entryPoints", "providers", "api", "metrics", "ping", "log", "accessLog", "tracing", "hostResolver", "certificatesResolvers", "experimental", "core", "spiffe", "ocsp", "otlp"];
const REMOVED_HEADERS = ["sslRedirect", "sslTemporaryRedirect", "sslHost", "sslForceHost", "featurePolicy", "sslProxyHeaders"];

function unknownKeys(obj: unknown, known: string[], where: string): string[] {
  if (!obj || typeof obj !== "object") return [];
  return Object.keys(obj).filter((k) => !known.includes(k)).map((k) => `${where}: unknown key '${k}'`);
}

/** Problems of a dynamic (file provider) document; empty when Traefik v3 accepts it as intended. */
export function checkTraefikDynamic(text: string): string[] {
  const doc = parse(text) as any;
  const problems = schemaErrors(validateDynamic, doc);
  if (text.includes("{{")) problems.push("contains '{{': the file provider runs files through Go templates");
  problems.push(...unknownKeys(doc?.http, HTTP_KEYS, "http"));
  for (const [name, r] of Object.entries<any>(doc?.http?.routers ?? {})) {
    problems.push(...unknownKeys(r.tls, ROUTER_TLS_KEYS, `http.routers.${name}.tls`));
    if (r.tls === null) problems.push(`http.routers.${name}.tls is null: write tls: {}`);
    // v3 rule syntax: backticks, one value per matcher; v2 HostRegexp placeholders do not work.
    if (/\{[a-z]+:/.test(r.rule ?? "")) problems.push(`http.routers.${name}.rule uses a v2 placeholder`);
    if (/Host\('/.test(r.rule ?? "")) problems.push(`http.routers.${name}.rule uses single quotes`);
    for (const m of r.middlewares ?? []) if (!(m in (doc.http.middlewares ?? {}))) problems.push(`http.routers.${name}: middleware '${m}' is not defined`);
    if (!(r.service in (doc.http.services ?? {}))) problems.push(`http.routers.${name}: service '${r.service}' is not defined`);
  }
  for (const [name, m] of Object.entries<any>(doc?.http?.middlewares ?? {})) {
    if ("ipWhiteList" in m) problems.push(`http.middlewares.${name}: ipWhiteList is the v2 name; use ipAllowList`);
    for (const k of REMOVED_HEADERS) if (m.headers && k in m.headers) problems.push(`http.middlewares.${name}.headers.${k} was removed in v3`);
  }
  (doc?.tls?.certificates ?? []).forEach((c: unknown, i: number) => problems.push(...unknownKeys(c, CERT_KEYS, `tls.certificates[${i}]`)));
  for (const [name, o] of Object.entries<any>(doc?.tls?.options ?? {})) {
    problems.push(...unknownKeys(o, TLS_OPTION_KEYS, `tls.options.${name}`));
    if ("preferServerCipherSuites" in o) problems.push(`tls.options.${name}.preferServerCipherSuites was removed in v3`);
  }
  return problems;
}

/** Problems of a static (install) document. */
export function checkTraefikStatic(text: string): string[] {
  const doc = parse(text) as any;
  const problems = schemaErrors(validateStatic, doc);
  if (text.includes("{{")) problems.push("contains '{{'");
  problems.push(...unknownKeys(doc, STATIC_TOP, "(root)"));
  const file = doc?.providers?.file;
  if (file && "filename" in file && "directory" in file) problems.push("providers.file: filename and directory are mutually exclusive");
  for (const k of ["http", "tls", "tcp", "udp"]) if (k in (doc ?? {})) problems.push(`dynamic section '${k}' in the static file is ignored by Traefik`);
  return problems;
}
