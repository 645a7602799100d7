provider "incus" {
  default_remote = "mini"

  remote {
    name    = "mini"
    address = "unix://"
  }

  remote {
    name     = "images"
    address  = "https://images.linuxcontainers.org"
    protocol = "simplestreams"
  }
}
