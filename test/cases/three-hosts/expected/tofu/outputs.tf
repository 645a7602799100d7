output "instances" {
  description = "Every instance: its host, type, address and the URLs routed to it."
  value = {
    files = {
      host = "beta"
      ipv4 = "10.21.0.128"
      type = "container"
      urls = []
    }
    forgejo = {
      host = "alpha"
      ipv4 = "10.20.0.128"
      type = "container"
      urls = ["https://git.rack.home.arpa"]
    }
    game = {
      host = "gamma"
      ipv4 = "10.22.0.20"
      type = "virtual-machine"
      urls = []
    }
    traefik = {
      host = "alpha"
      ipv4 = "10.20.0.10"
      type = "container"
      urls = []
    }
  }
}

output "routes" {
  description = "Every route through Traefik at 10.20.0.10: its URL and backend."
  value = {
    git = {
      backend = "http://10.20.0.128:3000"
      url     = "https://git.rack.home.arpa"
    }
  }
}
