# instances.grafana.volumes[0]
resource "incus_storage_volume" "grafana-data" {
  name         = "grafana-data"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "10GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.jellyfin.volumes[1]
resource "incus_storage_volume" "jellyfin-cache" {
  name         = "jellyfin-cache"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "20GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.jellyfin.volumes[0]
resource "incus_storage_volume" "jellyfin-config" {
  name         = "jellyfin-config"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "20GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.jellyfin.volumes[2]
resource "incus_storage_volume" "jellyfin-media" {
  name         = "jellyfin-media"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "500GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.mqtt.volumes[0]
resource "incus_storage_volume" "mqtt-data" {
  name         = "mqtt-data"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "1GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.navidrome.volumes[0]
resource "incus_storage_volume" "navidrome-data" {
  name         = "navidrome-data"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "10GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.nextcloud.volumes[0]
resource "incus_storage_volume" "nextcloud-data" {
  name         = "nextcloud-data"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "200GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.nextcloud-db.volumes[0]
resource "incus_storage_volume" "nextcloud-db-data" {
  name         = "nextcloud-db-data"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "20GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.status.volumes[0]
resource "incus_storage_volume" "status-data" {
  name         = "status-data"
  remote       = "nas"
  pool         = incus_storage_pool.fast.name
  content_type = "filesystem"

  config = {
    size = "5GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}
