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

# instances.jellyfin.volumes[0]
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
