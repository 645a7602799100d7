# networks.lab0
resource "incus_network" "lab0" {
  name        = "lab0"
  description = "Guest bridge for every instance"
  remote      = "nas"
  type        = "bridge"

  # dnsmasq answers the route names itself (host records), with Traefik's own address.
  # Tailscale split DNS for lab.home.arpa can point at 10.10.0.1, which nas advertises.
  config = {
    "ipv4.address" = "10.10.0.1/24"
    "ipv4.nat"     = "true"
    "ipv6.address" = "none"
    "dns.domain"   = "lab0.lab.home.arpa"
    "raw.dnsmasq"  = "host-record=cloud.lab.home.arpa,10.10.0.10\nhost-record=git.lab.home.arpa,10.10.0.10\nhost-record=grafana.lab.home.arpa,10.10.0.10\nhost-record=ha.lab.home.arpa,10.10.0.10\nhost-record=media.lab.home.arpa,10.10.0.10\nhost-record=vault.lab.home.arpa,10.10.0.10"
  }
}
