// App secrets: where labgen keeps them on a host and where instances see them, and the host unit
// that makes them. One source for validate (which keeps other files off these paths), resolve
// (which puts the paths in the Model) and the targets (NixOS runs the unit, OpenTofu mounts the
// directories, the secrets target writes the script).

export const SECRETS_LAYOUT = {
  /** One file per generated secret, mode 0600 root: <store>/<name>. */
  store: "/var/lib/labgen/secrets/apps",
  /** Per instance, copies of the secrets it reads, owned by its secretOwner: <instances>/<instance>/<name>. */
  instances: "/var/lib/labgen/secrets/instances",
  /** Where the per-instance directory is mounted (read-only) inside the instance. Not under /run: Incus mounts a tmpfs on an OCI container's /run after its disk devices (lxc/incus internal/server/instance/drivers/driver_lxc.go). */
  mount: "/secrets",
} as const;

export const SECRETS_UNIT = {
  /** systemd.services.<service>: Type=oneshot, RemainAfterExit, the script with no argument (ensure). */
  service: "labgen-secrets",
  /** out/hosts/<host>/<script>, installed as `command`. */
  script: "labgen-secrets.sh",
  command: "labgen-secrets",
  /** Ordered before these: instances need their secrets directory (disk `required` defaults to true). */
  before: ["incus.service", "labgen-gitops.service"],
} as const;
