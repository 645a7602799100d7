export const web = {
  host: "nas",
  image: "images:debian/12",
  cpu: 1,,
  memory: "1GiB",
  storage: "fast",
  nics: [{ network: "lab0" }],
};
