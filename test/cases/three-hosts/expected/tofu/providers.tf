# alpha reaches its own Incus through the unix socket and beta, gamma over the tailnet (MagicDNS names).
# Trust is set up once, out of band, as the user that runs tofu on alpha: `incus config trust add alpha`
# on each remote host prints a one-time token, and `incus remote add <host> <token>` on alpha (remote name =
# host name) stores that server's certificate and gets the client certificate trusted, both in
# ~/.config/incus, where the provider finds them. No token and no blind certificate acceptance here.
provider "incus" {
  default_remote = "alpha"

  remote {
    name    = "alpha"
    address = "unix://"
  }

  remote {
    name    = "beta"
    address = "https://beta:8443"
  }

  remote {
    name    = "gamma"
    address = "https://gamma:8443"
  }

  remote {
    name     = "docker"
    address  = "https://docker.io"
    protocol = "oci"
  }

  remote {
    name     = "images"
    address  = "https://images.linuxcontainers.org"
    protocol = "simplestreams"
  }
}
