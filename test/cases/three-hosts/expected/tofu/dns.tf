# ingress: Incus serves network zones from core.dns_address by zone transfer (AXFR) only, to the
# peers listed in the zone; a DNS server on the host can transfer it from there.
resource "incus_server" "alpha" {
  remote = "alpha"

  config = {
    "core.dns_address" = "127.0.0.1:1053"
  }
}

# ingress
resource "incus_network_zone" "lab_domain" {
  name        = "rack.home.arpa"
  description = "Ingress names of rack"
  remote      = "alpha"

  config = {
    "peers.host.address" = "127.0.0.1"
  }
}

# ingress
resource "incus_network_zone_record" "lab_domain" {
  name   = "@"
  remote = "alpha"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.20.0.10"
    ttl   = 300
  }
}

# ingress.routes.git
resource "incus_network_zone_record" "git" {
  name   = "git"
  remote = "alpha"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.20.0.10"
    ttl   = 300
  }
}
