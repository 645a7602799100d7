provider "incus" {
  default_remote = "nas"

  remote {
    name    = "nas"
    address = "unix://"
  }

  remote {
    name     = "codeberg"
    address  = "https://codeberg.org"
    protocol = "oci"
  }

  remote {
    name     = "docker"
    address  = "https://docker.io"
    protocol = "oci"
  }

  remote {
    name     = "ghcr"
    address  = "https://ghcr.io"
    protocol = "oci"
  }

  remote {
    name     = "images"
    address  = "https://images.linuxcontainers.org"
    protocol = "simplestreams"
  }
}
