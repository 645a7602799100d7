output "instances" {
  description = "Every instance: its host, type, address and the URLs routed to it."
  value = {
    mqtt = {
      host = "mini"
      ipv4 = "10.50.0.53"
      type = "container"
      urls = []
    }
    notes = {
      host = "mini"
      ipv4 = "10.50.0.128"
      type = "container"
      urls = []
    }
  }
}
