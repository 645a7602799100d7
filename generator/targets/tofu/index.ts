export { planTofu, TRAEFIK_FILES } from "./tofu.ts";
