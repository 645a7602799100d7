// App presets: plain functions that return ordinary lab.config.ts entries (instances and the
// secrets they read). Nothing here is special to the generator: validation, lab.json, explain and
// the docs see a preset's instance exactly as if it had been written by hand. Inspect one
// (`console.log(forgejo({...}))`), override fields after the call, or copy a function as the
// start of your own.
//
// Every fact about an image (registry and repository, port, data path, user, variables, health
// path) names the upstream file it was read from. Versions: ./versions.ts.

export { VERSIONS } from "./versions.ts";
export type { AppName } from "./versions.ts";
export type { InstanceInput, SecretInput } from "../config/schema.ts";

export type { App, AppOptions, WebAppOptions } from "./common.ts";
export { apps, secretFile } from "./common.ts";
export { forgejo, grafana, homeassistant, jellyfin, navidrome, traefik, uptimeKuma, vaultwarden } from "./web.ts";
export { nextcloud, postgres } from "./database.ts";
