output "instances" {
  description = "Every instance: its host, type, address and the URLs routed to it."
  value = {
    forgejo = {
      host = "nas"
      ipv4 = "10.10.0.128"
      type = "container"
      urls = ["https://git.lab.home.arpa"]
    }
    grafana = {
      host = "nas"
      ipv4 = "10.10.0.129"
      type = "container"
      urls = ["https://grafana.lab.home.arpa"]
    }
    homeassistant = {
      host = "nas"
      ipv4 = "10.10.0.20"
      type = "virtual-machine"
      urls = ["https://ha.lab.home.arpa"]
    }
    jellyfin = {
      host = "nas"
      ipv4 = "10.10.0.130"
      type = "container"
      urls = ["https://media.lab.home.arpa"]
    }
    nixbox = {
      host = "nas"
      ipv4 = "10.10.0.131"
      type = "container"
      urls = ["https://nix.lab.home.arpa"]
    }
    traefik = {
      host = "nas"
      ipv4 = "10.10.0.10"
      type = "container"
      urls = []
    }
  }
}

output "routes" {
  description = "Every route through Traefik at 10.10.0.10: its URL and backend."
  value = {
    git = {
      backend = "http://10.10.0.128:3000"
      url     = "https://git.lab.home.arpa"
    }
    grafana = {
      backend = "http://10.10.0.129:3000"
      url     = "https://grafana.lab.home.arpa"
    }
    ha = {
      backend = "http://10.10.0.20:8123"
      url     = "https://ha.lab.home.arpa"
    }
    media = {
      backend = "http://10.10.0.130:8096"
      url     = "https://media.lab.home.arpa"
    }
    nix = {
      backend = "http://10.10.0.131:8080"
      url     = "https://nix.lab.home.arpa"
    }
  }
}
