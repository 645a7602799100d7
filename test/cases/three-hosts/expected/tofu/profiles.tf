# profiles.base
resource "incus_profile" "base" {
  for_each = toset(["alpha"])

  name        = "base"
  description = "Defaults"
  remote      = each.key

  config = {
    "boot.autostart.delay" = "3"
  }
}
