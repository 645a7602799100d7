// What a user types in for each placeholder of `labgen init`'s starter.
import { ALICE_KEY, NVME1 } from "./lab-fixtures.ts";

/** What a user types in for each placeholder, keyed by the command the error names. */
export function fillPlaceholders(text: string): string {
  return text
    .replaceAll('"ssh-ed25519 REPLACE_ME you@laptop"', JSON.stringify(ALICE_KEY))
    .replaceAll("/dev/disk/by-id/REPLACE_ME-disk-1", NVME1)
    .replaceAll('"REPLACE_ME-nic"', '"enp3s0"')
    .replaceAll("git@github.com:REPLACE_ME/homelab.git", "git@github.com:alice/homelab.git")
    .replaceAll('"github.com ssh-ed25519 REPLACE_ME"', '"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"');
}

