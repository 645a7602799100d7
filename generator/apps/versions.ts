// The one place app versions live. Each is an exact image tag in the app's own registry; bump one
// line (by hand or a bot) to upgrade, put the old tag back to roll back. A new tag replaces the
// instance (OpenTofu `image` forces replacement); its data volumes stay (prevent_destroy).
// Where each version was read is noted next to it.
export const VERSIONS = {
  // docker-library/official-images library/traefik: "Tags: v3.7.11, 3.7.11, v3.7, …" (Directory v3.7/alpine).
  traefik: "v3.7.11",
  // Forgejo's release listing on forgejo.org (docs navigation: "Latest (v16.0.5)"); images are
  // published as codeberg.org/forgejo/forgejo:<version> without the "v".
  forgejo: "16.0.5",
  // jellyfin/jellyfin-packaging tag v10.11.11-202606061137; build.py pushes
  // docker.io/jellyfin/jellyfin:<version> for a "vX.Y.Z" release (the "v" removed).
  jellyfin: "10.11.11",
  // grafana/grafana:<version> (docs: setup-grafana/configure-docker.md, "<version>" is the Alpine tag).
  grafana: "13.2.3",
  // ghcr.io/home-assistant/home-assistant:<version>, the monthly release's patch.
  homeassistant: "2026.8.3",
  // dani-garcia/vaultwarden tag 1.37.2; .github/workflows/release.yml tags images with the git tag.
  vaultwarden: "1.37.2",
  // navidrome/navidrome tag v0.63.2; .github/actions/prepare-docker/action.yml: type=semver,pattern={{version}}.
  navidrome: "0.63.2",
  // docker-library/official-images library/nextcloud: "Tags: 34.0.3-apache, 34.0-apache, …".
  nextcloud: "34.0.3-apache",
  // docker-library/official-images library/postgres: "Tags: 18.6, 18, latest, 18.6-trixie, …".
  postgres: "18.6",
  // louislam/uptime-kuma tag 2.5.3; extra/release/build-images.mjs tags louislam/uptime-kuma:<version>.
  uptimeKuma: "2.5.3",
} as const;

export type AppName = keyof typeof VERSIONS;
