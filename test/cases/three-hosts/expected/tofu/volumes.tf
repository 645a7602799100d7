# instances.files.volumes[0]
resource "incus_storage_volume" "files-share" {
  name         = "files-share"
  remote       = "beta"
  pool         = incus_storage_pool.bulk.name
  content_type = "filesystem"

  config = {
    size                 = "4TiB"
    "snapshots.expiry"   = "30d"
    "snapshots.schedule" = "@daily"
  }

  lifecycle {
    prevent_destroy = true
  }
}
