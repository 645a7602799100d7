# networks.lab0
resource "incus_network" "lab0" {
  name        = "lab0"
  description = ""
  remote      = "nas"
  type        = "bridge"

  # dnsmasq answers the route names itself (host records), with Traefik's own address.
  config = {
    "ipv4.address" = "10.10.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "lab0.lab.home.arpa"
    "raw.dnsmasq"  = "host-record=cloud.lab.home.arpa,10.10.0.10\nhost-record=grafana.lab.home.arpa,10.10.0.10\nhost-record=media.lab.home.arpa,10.10.0.10\nhost-record=music.lab.home.arpa,10.10.0.10\nhost-record=status.lab.home.arpa,10.10.0.10"
  }
}
