# profiles.base
resource "incus_profile" "base" {
  for_each = toset(["nas"])

  name        = "base"
  description = "Defaults for every instance"
  remote      = each.key

  config = {
    "boot.autostart.delay" = "5"
  }
}

# profiles.nesting
resource "incus_profile" "nesting" {
  for_each = toset(["nas"])

  name        = "nesting"
  description = "Containers that run their own init or containers"
  remote      = each.key

  config = {
    "security.nesting" = "true"
  }
}
