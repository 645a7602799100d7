export { planTofu } from "./tofu.ts";
export { GUEST_CA_ROOT_PATH } from "./instances.ts";
