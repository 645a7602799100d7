export { planTraefik, traefikDynamicIr, traefikStaticIr } from "./traefik.ts";
