export { planTofu } from "./tofu.ts";
