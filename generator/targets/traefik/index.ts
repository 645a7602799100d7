export { planTraefik, traefikDynamic, traefikStatic, TRAEFIK_PATHS } from "./traefik.ts";
