# tofu
variable "state_passphrase" {
  description = "Passphrase (16 characters or more) that encrypts the OpenTofu state and plans. It lives in /var/lib/labgen/secrets/tofu-state-passphrase on nas: TF_VAR_state_passphrase=\"$(cat /var/lib/labgen/secrets/tofu-state-passphrase)\" tofu apply"
  type        = string
  sensitive   = true
}
