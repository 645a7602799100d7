# instances.files
resource "incus_instance" "files" {
  name        = "files"
  description = "File server"
  remote      = "beta"
  type        = "container"
  image       = "images:debian/12"
  profiles    = []
  running     = true

  config = {
    "boot.autostart"     = "true"
    "limits.cpu"         = "2"
    "limits.memory"      = "4GiB"
    "snapshots.expiry"   = "30d"
    "snapshots.schedule" = "@daily"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.bulk.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:12:3e:95"
      "ipv4.address" = "10.21.0.128"
      network        = incus_network.net-b.name
    }
  }

  device {
    name = "tcp-445"
    type = "proxy"
    properties = {
      connect = "tcp:10.21.0.128:445"
      listen  = "tcp:192.168.20.12:445"
      nat     = "true"
    }
  }

  device {
    name = "share"
    type = "disk"
    properties = {
      path   = "/srv/share"
      pool   = incus_storage_volume.files-share.pool
      source = incus_storage_volume.files-share.name
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on alpha.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.forgejo
resource "incus_instance" "forgejo" {
  name        = "forgejo"
  description = "Git forge"
  remote      = "alpha"
  type        = "container"
  image       = "images:debian/12"
  profiles    = [incus_profile.base["alpha"].name]
  running     = true

  config = {
    "boot.autostart" = "true"
    "limits.cpu"     = "2"
    "limits.memory"  = "2GiB"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:60:68:44"
      "ipv4.address" = "10.20.0.128"
      network        = incus_network.net-a.name
    }
  }

  device {
    name = "tcp-22"
    type = "proxy"
    properties = {
      connect = "tcp:10.20.0.128:22"
      listen  = "tcp:192.168.20.11:22"
      nat     = "true"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on alpha.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.game
resource "incus_instance" "game" {
  name        = "game"
  description = "Game server (UDP and TCP on the same port)"
  remote      = "gamma"
  type        = "virtual-machine"
  image       = "images:debian/12/cloud"
  profiles    = []
  running     = true

  config = {
    "boot.autostart" = "true"
    "limits.cpu"     = "4"
    "limits.memory"  = "8GiB"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.scratch.name
      size = "64GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:49:25:c2"
      "ipv4.address" = "10.22.0.20"
      network        = incus_network.net-c.name
    }
  }

  device {
    name = "tcp-27015"
    type = "proxy"
    properties = {
      connect = "tcp:10.22.0.20:27015"
      listen  = "tcp:192.168.20.13:27015"
      nat     = "true"
    }
  }

  device {
    name = "udp-27015"
    type = "proxy"
    properties = {
      connect = "udp:10.22.0.20:27015"
      listen  = "udp:192.168.20.13:27015"
      nat     = "true"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on alpha.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }

  wait_for {
    type = "agent"
  }
}

# instances.traefik
resource "incus_instance" "traefik" {
  name        = "traefik"
  description = "Reverse proxy"
  remote      = "alpha"
  type        = "container"
  image       = "docker:traefik:v3.7"
  profiles    = [incus_profile.base["alpha"].name]
  running     = true

  config = {
    "boot.autostart" = "true"
    "limits.cpu"     = "1"
    "limits.memory"  = "512MiB"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:25:4e:73"
      "ipv4.address" = "10.20.0.10"
      network        = incus_network.net-a.name
    }
  }

  device {
    name = "tcp-80"
    type = "proxy"
    properties = {
      connect = "tcp:10.20.0.10:80"
      listen  = "tcp:192.168.20.11:80"
      nat     = "true"
    }
  }

  device {
    name = "tcp-443"
    type = "proxy"
    properties = {
      connect = "tcp:10.20.0.10:443"
      listen  = "tcp:192.168.20.11:443"
      nat     = "true"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on alpha.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }

  file {
    target_path        = "/etc/traefik/traefik.yml"
    content            = file("${path.module}/../traefik/traefik.yml")
    mode               = "0644"
    create_directories = true
  }

  file {
    target_path        = "/etc/traefik/dynamic/dynamic.yml"
    content            = file("${path.module}/../traefik/dynamic.yml")
    mode               = "0644"
    create_directories = true
  }

  # source_path is read by tofu on alpha: the CA's chain and key must be there.
  file {
    target_path        = "/etc/traefik/certs/fullchain.crt"
    source_path        = "/var/lib/labgen/ca/fullchain.crt"
    mode               = "0644"
    create_directories = true
  }

  file {
    target_path        = "/etc/traefik/certs/leaf.key"
    source_path        = "/var/lib/labgen/ca/leaf.key"
    mode               = "0600"
    create_directories = true
  }
}

# ingress
resource "terraform_data" "traefik_restart" {
  depends_on = [incus_instance.traefik]

  provisioner "local-exec" {
    command = "incus restart traefik"
  }

  lifecycle {
    replace_triggered_by = [incus_instance.traefik]
  }
}
