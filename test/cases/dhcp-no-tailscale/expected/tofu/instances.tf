# instances.mqtt
resource "incus_instance" "mqtt" {
  name        = "mqtt"
  description = "MQTT broker for the sensors (MQTT over TCP, MQTT-SN over UDP)"
  remote      = "mini"
  type        = "container"
  image       = "images:debian/12"
  profiles    = []
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
      pool = incus_storage_pool.local.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:be:8c:ea"
      "ipv4.address" = "10.50.0.53"
      network        = incus_network.br0.name
    }
  }

  device {
    name = "tcp-1883"
    type = "proxy"
    properties = {
      connect = "tcp:10.50.0.53:1883"
      listen  = "tcp:0.0.0.0:1883"
    }
  }

  device {
    name = "udp-1883"
    type = "proxy"
    properties = {
      connect = "udp:10.50.0.53:1883"
      listen  = "udp:0.0.0.0:1883"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on mini.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}

# instances.notes
resource "incus_instance" "notes" {
  name        = "notes"
  description = "Notes app"
  remote      = "mini"
  type        = "container"
  image       = "images:debian/12"
  profiles    = []
  running     = true

  config = {
    "boot.autostart" = "true"
    "limits.cpu"     = "1"
    "limits.memory"  = "1GiB"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.local.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:e9:6c:f3"
      "ipv4.address" = "10.50.0.128"
      network        = incus_network.br0.name
    }
  }

  device {
    name = "tcp-8080"
    type = "proxy"
    properties = {
      connect = "tcp:10.50.0.128:8080"
      listen  = "tcp:0.0.0.0:8080"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on mini.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }
}
