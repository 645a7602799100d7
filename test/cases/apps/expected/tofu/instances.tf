# instances.grafana
resource "incus_instance" "grafana" {
  name        = "grafana"
  description = "Grafana, pinned one release back"
  remote      = "nas"
  type        = "container"
  image       = "docker:grafana/grafana:13.2.2"
  profiles    = []
  running     = true

  config = {
    "boot.autostart"                               = "true"
    "environment.GF_SECURITY_ADMIN_PASSWORD__FILE" = "/secrets/grafana-admin-password"
    "environment.GF_SERVER_ROOT_URL"               = "https://grafana.lab.home.arpa"
    "environment.GF_USERS_ALLOW_SIGN_UP"           = "false"
    "limits.cpu"                                   = "1"
    "limits.memory"                                = "2GiB"
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
      "ipv4.address" = "10.10.0.128"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/var/lib/grafana"
      pool   = incus_storage_volume.grafana-data.pool
      source = incus_storage_volume.grafana-data.name
    }
  }

  device {
    name = "secrets"
    type = "disk"
    properties = {
      path     = "/secrets"
      readonly = "true"
      shift    = "true"
      source   = "/var/lib/labgen/secrets/instances/grafana"
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

# instances.jellyfin
resource "incus_instance" "jellyfin" {
  name        = "jellyfin"
  description = "Jellyfin: media server"
  remote      = "nas"
  type        = "container"
  image       = "docker:jellyfin/jellyfin:10.11.11"
  profiles    = []
  running     = true

  config = {
    "boot.autostart" = "true"
    "limits.cpu"     = "4"
    "limits.memory"  = "4GiB"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "8GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:07:99:ed"
      "ipv4.address" = "10.10.0.134"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "config"
    type = "disk"
    properties = {
      path   = "/config"
      pool   = incus_storage_volume.jellyfin-config.pool
      source = incus_storage_volume.jellyfin-config.name
    }
  }

  device {
    name = "cache"
    type = "disk"
    properties = {
      path   = "/cache"
      pool   = incus_storage_volume.jellyfin-cache.pool
      source = incus_storage_volume.jellyfin-cache.name
    }
  }

  device {
    name = "media"
    type = "disk"
    properties = {
      path   = "/media"
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

# instances.mqtt
resource "incus_instance" "mqtt" {
  name        = "mqtt"
  description = "MQTT broker"
  remote      = "nas"
  type        = "container"
  image       = "docker:eclipse-mosquitto:2.0.22"
  profiles    = []
  running     = true

  config = {
    "boot.autostart" = "true"
    "environment.TZ" = "Europe/Paris"
    "limits.cpu"     = "1"
    "limits.memory"  = "256MiB"
    "oci.entrypoint" = "/usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf"
    "oci.gid"        = "1883"
    "oci.uid"        = "1883"
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
      hwaddr         = "10:66:6a:9e:de:a1"
      "ipv4.address" = "10.10.0.129"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "tcp-1883"
    type = "proxy"
    properties = {
      connect = "tcp:10.10.0.129:1883"
      listen  = "tcp:192.168.1.10:1883"
      nat     = "true"
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/mosquitto/data"
      pool   = incus_storage_volume.mqtt-data.pool
      source = incus_storage_volume.mqtt-data.name
    }
  }

  device {
    name = "secrets"
    type = "disk"
    properties = {
      path     = "/secrets"
      readonly = "true"
      shift    = "true"
      source   = "/var/lib/labgen/secrets/instances/mqtt"
    }
  }

  # The lab's root CA, for calls to other routes (webhooks, OAuth); read by tofu on nas.
  file {
    target_path        = "/usr/local/share/ca-certificates/labgen-root.crt"
    source_path        = "/var/lib/labgen/ca/root.crt"
    mode               = "0644"
    create_directories = true
  }

  # instances.mqtt.files[0]
  file {
    target_path        = "/mosquitto/config/mosquitto.conf"
    content            = "listener 1883\npersistence true\npersistence_location /mosquitto/data/\npassword_file /secrets/mqtt-passwd\n"
    mode               = "0644"
    uid                = 0
    gid                = 0
    create_directories = true
  }
}

# instances.navidrome
resource "incus_instance" "navidrome" {
  name        = "navidrome"
  description = "Navidrome: music"
  remote      = "nas"
  type        = "container"
  image       = "ghcr:navidrome/navidrome:0.63.2"
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
      pool = incus_storage_pool.fast.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:a7:b7:bf"
      "ipv4.address" = "10.10.0.130"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/data"
      pool   = incus_storage_volume.navidrome-data.pool
      source = incus_storage_volume.navidrome-data.name
    }
  }

  device {
    name = "music"
    type = "disk"
    properties = {
      path     = "/music"
      pool     = incus_storage_volume.jellyfin-media.pool
      readonly = "true"
      source   = "${incus_storage_volume.jellyfin-media.name}/music"
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

# instances.nextcloud
resource "incus_instance" "nextcloud" {
  name        = "nextcloud"
  description = "Nextcloud: files and calendars"
  remote      = "nas"
  type        = "container"
  image       = "docker:nextcloud:34.0.3-apache"
  profiles    = []
  running     = true

  config = {
    "boot.autostart"                            = "true"
    "environment.NEXTCLOUD_ADMIN_PASSWORD_FILE" = "/secrets/nextcloud-admin-password"
    "environment.NEXTCLOUD_ADMIN_USER"          = "admin"
    "environment.NEXTCLOUD_TRUSTED_DOMAINS"     = "cloud.lab.home.arpa"
    "environment.OVERWRITECLIURL"               = "https://cloud.lab.home.arpa"
    "environment.OVERWRITEPROTOCOL"             = "https"
    "environment.POSTGRES_DB"                   = "nextcloud"
    "environment.POSTGRES_HOST"                 = "nextcloud-db"
    "environment.POSTGRES_PASSWORD_FILE"        = "/secrets/nextcloud-db-password"
    "environment.POSTGRES_USER"                 = "nextcloud"
    "environment.TRUSTED_PROXIES"               = "10.10.0.10"
    "limits.cpu"                                = "2"
    "limits.memory"                             = "2GiB"
  }

  device {
    name = "root"
    type = "disk"
    properties = {
      path = "/"
      pool = incus_storage_pool.fast.name
      size = "8GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:31:17:a8"
      "ipv4.address" = "10.10.0.132"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/var/www/html"
      pool   = incus_storage_volume.nextcloud-data.pool
      source = incus_storage_volume.nextcloud-data.name
    }
  }

  device {
    name = "secrets"
    type = "disk"
    properties = {
      path     = "/secrets"
      readonly = "true"
      shift    = "true"
      source   = "/var/lib/labgen/secrets/instances/nextcloud"
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

# instances.nextcloud-db
resource "incus_instance" "nextcloud-db" {
  name        = "nextcloud-db"
  description = "PostgreSQL for nextcloud"
  remote      = "nas"
  type        = "container"
  image       = "docker:postgres:18.6"
  profiles    = []
  running     = true

  config = {
    "boot.autostart"                     = "true"
    "environment.POSTGRES_DB"            = "nextcloud"
    "environment.POSTGRES_PASSWORD_FILE" = "/secrets/nextcloud-db-password"
    "environment.POSTGRES_USER"          = "nextcloud"
    "limits.cpu"                         = "1"
    "limits.memory"                      = "512MiB"
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
      hwaddr         = "10:66:6a:bc:60:1f"
      "ipv4.address" = "10.10.0.131"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/var/lib/postgresql"
      pool   = incus_storage_volume.nextcloud-db-data.pool
      source = incus_storage_volume.nextcloud-db-data.name
    }
  }

  device {
    name = "secrets"
    type = "disk"
    properties = {
      path     = "/secrets"
      readonly = "true"
      shift    = "true"
      source   = "/var/lib/labgen/secrets/instances/nextcloud-db"
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

# instances.status
resource "incus_instance" "status" {
  name        = "status"
  description = "Uptime Kuma: status monitor"
  remote      = "nas"
  type        = "container"
  image       = "docker:louislam/uptime-kuma:2.5.3"
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
      pool = incus_storage_pool.fast.name
      size = "10GiB"
    }
  }

  device {
    name = "eth0"
    type = "nic"
    properties = {
      hwaddr         = "10:66:6a:c4:c1:6f"
      "ipv4.address" = "10.10.0.133"
      network        = incus_network.lab0.name
    }
  }

  device {
    name = "data"
    type = "disk"
    properties = {
      path   = "/app/data"
      pool   = incus_storage_volume.status-data.pool
      source = incus_storage_volume.status-data.name
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
  description = "Traefik: the lab's ingress"
  remote      = "nas"
  type        = "container"
  image       = "docker:traefik:v3.7.11"
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

# instances.mqtt
resource "terraform_data" "mqtt_restart" {
  depends_on = [incus_instance.mqtt]

  provisioner "local-exec" {
    command = "incus restart mqtt"
  }

  lifecycle {
    replace_triggered_by = [incus_instance.mqtt]
  }
}
