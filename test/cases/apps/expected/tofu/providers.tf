provider "incus" {
  default_remote = "nas"

  remote {
    name    = "nas"
    address = "unix://"
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
}
