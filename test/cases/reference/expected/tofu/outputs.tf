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
      type = "container"
      urls = ["https://ha.lab.home.arpa"]
    }
    jellyfin = {
      host = "nas"
      ipv4 = "10.10.0.130"
      type = "container"
      urls = ["https://media.lab.home.arpa"]
    }
    nextcloud = {
      host = "nas"
      ipv4 = "10.10.0.133"
      type = "container"
      urls = ["https://cloud.lab.home.arpa"]
    }
    nextcloud-db = {
      host = "nas"
      ipv4 = "10.10.0.132"
      type = "container"
      urls = []
    }
    nixbox = {
      host = "nas"
      ipv4 = "10.10.0.131"
      type = "container"
      urls = []
    }
    traefik = {
      host = "nas"
      ipv4 = "10.10.0.10"
      type = "container"
      urls = []
    }
    vaultwarden = {
      host = "nas"
      ipv4 = "10.10.0.134"
      type = "container"
      urls = ["https://vault.lab.home.arpa"]
    }
  }
}

output "routes" {
  description = "Every route through Traefik at 10.10.0.10: its URL and backend."
  value = {
    cloud = {
      backend = "http://10.10.0.133:80"
      url     = "https://cloud.lab.home.arpa"
    }
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
    vault = {
      backend = "http://10.10.0.134:80"
      url     = "https://vault.lab.home.arpa"
    }
  }
}
