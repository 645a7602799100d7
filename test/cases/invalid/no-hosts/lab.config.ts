// A lab with no host at all.
import { defineLab } from "labgen";

export default defineLab({
  name: "homelab",
  domain: "lab.home.arpa",
  admins: {
    alice: { sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0yQ0xk5m3cVb2m2aJ8k0vM2pWQ8n9w4xF3yKJtq7e alice@laptop"] },
  },
  hosts: {},
});
