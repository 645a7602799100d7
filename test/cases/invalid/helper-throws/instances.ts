const images: Record<string, string> = { debian: "images:debian/12" };

function image(name: string): string {
  const found = images[name];
  if (!found) throw new Error(`no image called ${name}`);
  return found;
}

export const web = {
  host: "nas",
  image: image("ubuntu"),
  cpu: 1,
  memory: "1GiB",
  storage: "fast",
  nics: [{ network: "lab0" }],
};
