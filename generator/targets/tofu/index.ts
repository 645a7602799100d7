export { GUEST_CA_ROOT_PATH, planTofu, TRAEFIK_FILES } from "./tofu.ts";
