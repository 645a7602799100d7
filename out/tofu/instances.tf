# instances.forgejo
resource "incus_instance" "forgejo" {
  name        = "forgejo"
  description = "Git forge"
  remote      = "nas"
  type        = "container"
  image       = "images:debian/12"
  profiles    = [incus_profile.base["nas"].name]
  running     = true

  config = {
    "boot.autostart"     = "true"
    "limits.cpu"         = "2"
    "limits.memory"      = "2GiB"
    "snapshots.expiry"   = "14d"
    "snapshots.schedule" = "@daily"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "16GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:12:c0:62"
      "ipv4.address" = "10.10.0.128"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "tcp-2222"
    type = "proxy"
    properties = {
      connect = "tcp:10.10.0.128:22"
      listen  = "tcp:192.168.1.10:2222"
      nat     = "true"
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/var/lib/forgejo"
      pool   = incus_storage_volume.forgejo-data.pool
      source = incus_storage_volume.forgejo-data.name
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.grafana
resource "incus_instance" "grafana" {
  name        = "grafana"
  description = "Dashboards"
  remote      = "nas"
  type        = "container"
  image       = "images:debian/12"
  profiles    = [incus_profile.base["nas"].name]
  running     = true

  config = {
    "boot.autostart"     = "true"
    "limits.cpu"         = "1"
    "limits.memory"      = "1GiB"
    "snapshots.expiry"   = "7d"
    "snapshots.schedule" = "@daily"
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
      hwaddr         = "10:66:6a:93:a8:41"
      "ipv4.address" = "10.10.0.129"
      network        = incus_network.lab0.name
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.homeassistant
resource "incus_instance" "homeassistant" {
  name        = "homeassistant"
  description = "Home automation (a VM: it wants its own kernel and USB passthrough)"
  remote      = "nas"
  type        = "virtual-machine"
  image       = "images:debian/12/cloud"
  profiles    = [incus_profile.base["nas"].name]
  running     = true

  config = {
    "boot.autostart"       = "true"
    "cloud-init.user-data" = "#cloud-config\npackage_update: true\npackages:\n  - qemu-guest-agent\n"
    "limits.cpu"           = "2"
    "limits.memory"        = "4GiB"
    "snapshots.expiry"     = "7d"
    "snapshots.schedule"   = "0 4 * * *"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "32GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:8e:5d:eb"
      "ipv4.address" = "10.10.0.20"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "tcp-21064"
    type = "proxy"
    properties = {
      connect = "tcp:10.10.0.20:21064"
      listen  = "tcp:192.168.1.10:21064"
      nat     = "true"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
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

# instances.jellyfin
resource "incus_instance" "jellyfin" {
  name        = "jellyfin"
  description = "Media server"
  remote      = "nas"
  type        = "container"
  image       = "images:debian/12"
  profiles    = [incus_profile.base["nas"].name]
  running     = true

  config = {
    "boot.autostart"     = "true"
    "limits.cpu"         = "4"
    "limits.memory"      = "4GiB"
    "snapshots.expiry"   = "4w"
    "snapshots.schedule" = "@weekly"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "16GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:07:99:ed"
      "ipv4.address" = "10.10.0.130"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "media"
    type = "disk"
    properties = {
      path   = "/srv/media"
      pool   = incus_storage_volume.jellyfin-media.pool
      source = incus_storage_volume.jellyfin-media.name
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.nixbox
resource "incus_instance" "nixbox" {
  name        = "nixbox"
  description = "A NixOS container for experiments"
  remote      = "nas"
  type        = "container"
  image       = "images:nixos/26.05"
  profiles    = [incus_profile.base["nas"].name, incus_profile.nesting["nas"].name]
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
      hwaddr         = "10:66:6a:bb:54:55"
      "ipv4.address" = "10.10.0.131"
      network        = incus_network.lab0.name
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.traefik
resource "incus_instance" "traefik" {
  name        = "traefik"
  description = "Reverse proxy: the only way into the web apps"
  remote      = "nas"
  type        = "container"
  image       = "docker:traefik:v3.7"
  profiles    = [incus_profile.base["nas"].name]
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
      size = "4GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:3e:b4:bf"
      "ipv4.address" = "10.10.0.10"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "tcp-80"
    type = "proxy"
    properties = {
      connect = "tcp:10.10.0.10:80"
      listen  = "tcp:192.168.1.10:80"
      nat     = "true"
    }
  }

  device {
    name = "tcp-443"
    type = "proxy"
    properties = {
      connect = "tcp:10.10.0.10:443"
      listen  = "tcp:192.168.1.10:443"
      nat     = "true"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
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

  # source_path is read by tofu on nas: the CA's chain and key must be there.
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
