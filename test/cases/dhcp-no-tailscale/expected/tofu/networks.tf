# networks.br0
resource "incus_network" "br0" {
  name        = "br0"
  description = "Guests"
  remote      = "mini"
  type        = "bridge"

  config = {
    "ipv4.address" = "10.50.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "br0.mini.home.arpa"
  }
}
