# ingress: Incus serves network zones from core.dns_address by zone transfer (AXFR) only, to the
# peers listed in the zone; a DNS server on the host can transfer it from there.
resource "incus_server" "nas" {
  remote = "nas"

  config = {
    "core.dns_address" = "127.0.0.1:1053"
  }
}

# ingress
resource "incus_network_zone" "lab_domain" {
  name        = "lab.home.arpa"
  description = "Ingress names of homelab"
  remote      = "nas"

  config = {
    "peers.host.address" = "127.0.0.1"
  }
}

# ingress
resource "incus_network_zone_record" "lab_domain" {
  name   = "@"
  remote = "nas"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.10.0.10"
    ttl   = 300
  }
}

# ingress.routes.cloud
resource "incus_network_zone_record" "cloud" {
  name   = "cloud"
  remote = "nas"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.10.0.10"
    ttl   = 300
  }
}

# ingress.routes.grafana
resource "incus_network_zone_record" "grafana" {
  name   = "grafana"
  remote = "nas"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.10.0.10"
    ttl   = 300
  }
}

# ingress.routes.media
resource "incus_network_zone_record" "media" {
  name   = "media"
  remote = "nas"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.10.0.10"
    ttl   = 300
  }
}

# ingress.routes.music
resource "incus_network_zone_record" "music" {
  name   = "music"
  remote = "nas"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.10.0.10"
    ttl   = 300
  }
}

# ingress.routes.status
resource "incus_network_zone_record" "status" {
  name   = "status"
  remote = "nas"
  zone   = incus_network_zone.lab_domain.name

  entry {
    type  = "A"
    value = "10.10.0.10"
    ttl   = 300
  }
}
