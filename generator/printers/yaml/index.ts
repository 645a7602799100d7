export { printYaml, YamlPrintError, type YamlValue } from "./print.ts";
