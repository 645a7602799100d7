# instances.forgejo.volumes[0]
resource "incus_storage_volume" "forgejo-data" {
  name         = "forgejo-data"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "100GiB"
    "snapshots.expiry"   = "14d"
    "snapshots.schedule" = "@daily"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.grafana.volumes[0]
resource "incus_storage_volume" "grafana-data" {
  name         = "grafana-data"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "10GiB"
    "snapshots.expiry"   = "7d"
    "snapshots.schedule" = "@daily"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.homeassistant.volumes[0]
resource "incus_storage_volume" "homeassistant-config" {
  name         = "homeassistant-config"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "20GiB"
    "snapshots.expiry"   = "7d"
    "snapshots.schedule" = "0 4 * * *"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.jellyfin.volumes[1]
resource "incus_storage_volume" "jellyfin-cache" {
  name         = "jellyfin-cache"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "20GiB"
    "snapshots.expiry"   = "4w"
    "snapshots.schedule" = "@weekly"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.jellyfin.volumes[0]
resource "incus_storage_volume" "jellyfin-config" {
  name         = "jellyfin-config"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "20GiB"
    "snapshots.expiry"   = "4w"
    "snapshots.schedule" = "@weekly"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.jellyfin.volumes[2]
resource "incus_storage_volume" "jellyfin-media" {
  name         = "jellyfin-media"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "4TiB"
    "snapshots.expiry"   = "4w"
    "snapshots.schedule" = "@weekly"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.nextcloud.volumes[0]
resource "incus_storage_volume" "nextcloud-data" {
  name         = "nextcloud-data"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "200GiB"
    "snapshots.expiry"   = "14d"
    "snapshots.schedule" = "@daily"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.nextcloud-db.volumes[0]
resource "incus_storage_volume" "nextcloud-db-data" {
  name         = "nextcloud-db-data"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size = "20GiB"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# instances.vaultwarden.volumes[0]
resource "incus_storage_volume" "vaultwarden-data" {
  name         = "vaultwarden-data"
  remote       = "nas"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "5GiB"
    "snapshots.expiry"   = "30d"
    "snapshots.schedule" = "@daily"
  }

  lifecycle {
    prevent_destroy = true
  }
}
