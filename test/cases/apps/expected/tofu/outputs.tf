output "instances" {
  description = "Every instance: its host, type, address and the URLs routed to it."
  value = {
    grafana = {
      host = "nas"
      ipv4 = "10.10.0.128"
      type = "container"
      urls = ["https://grafana.lab.home.arpa"]
    }
    jellyfin = {
      host = "nas"
      ipv4 = "10.10.0.134"
      type = "container"
      urls = ["https://media.lab.home.arpa"]
    }
    mqtt = {
      host = "nas"
      ipv4 = "10.10.0.129"
      type = "container"
      urls = []
    }
    navidrome = {
      host = "nas"
      ipv4 = "10.10.0.130"
      type = "container"
      urls = ["https://music.lab.home.arpa"]
    }
    nextcloud = {
      host = "nas"
      ipv4 = "10.10.0.132"
      type = "container"
      urls = ["https://cloud.lab.home.arpa"]
    }
    nextcloud-db = {
      host = "nas"
      ipv4 = "10.10.0.131"
      type = "container"
      urls = []
    }
    status = {
      host = "nas"
      ipv4 = "10.10.0.133"
      type = "container"
      urls = ["https://status.lab.home.arpa"]
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
    cloud = {
      backend = "http://10.10.0.132:80"
      url     = "https://cloud.lab.home.arpa"
    }
    grafana = {
      backend = "http://10.10.0.128:3000"
      url     = "https://grafana.lab.home.arpa"
    }
    media = {
      backend = "http://10.10.0.134:8096"
      url     = "https://media.lab.home.arpa"
    }
    music = {
      backend = "http://10.10.0.130:4533"
      url     = "https://music.lab.home.arpa"
    }
    status = {
      backend = "http://10.10.0.133:3001"
      url     = "https://status.lab.home.arpa"
    }
  }
}
