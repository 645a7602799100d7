export { planTraefik, traefikDynamic, traefikStatic } from "./traefik.ts";
