# networks.net-a
resource "incus_network" "net-a" {
  name        = "net-a"
  description = "alpha's guests"
  remote      = "alpha"
  type        = "bridge"

  # dnsmasq answers the route names itself (host records), with Traefik's own address.
  # Tailscale split DNS for rack.home.arpa can point at 10.20.0.1, which alpha advertises.
  config = {
    "ipv4.address" = "10.20.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "net-a.rack.home.arpa"
    "raw.dnsmasq"  = "host-record=git.rack.home.arpa,10.20.0.10"
  }
}

# networks.net-b
resource "incus_network" "net-b" {
  name        = "net-b"
  description = "beta's guests"
  remote      = "beta"
  type        = "bridge"

  # dnsmasq answers the route names itself (host records), with alpha's LAN address, where its proxy devices pass 80/443 to Traefik.
  config = {
    "ipv4.address" = "10.21.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "net-b.rack.home.arpa"
    "raw.dnsmasq"  = "host-record=git.rack.home.arpa,192.168.20.11"
  }
}

# networks.net-c
resource "incus_network" "net-c" {
  name        = "net-c"
  description = "gamma's guests"
  remote      = "gamma"
  type        = "bridge"

  # dnsmasq answers the route names itself (host records), with alpha's LAN address, where its proxy devices pass 80/443 to Traefik.
  config = {
    "ipv4.address" = "10.22.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "net-c.rack.home.arpa"
    "raw.dnsmasq"  = "host-record=git.rack.home.arpa,192.168.20.11"
  }
}
