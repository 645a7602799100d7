# storage.bulk
resource "incus_storage_pool" "bulk" {
  name        = "bulk"
  description = "HDD raidz1: application data and media"
  remote      = "nas"
  driver      = "zfs"

  config = {
    source = "tank/incus/bulk"
  }
}

# storage.fast
resource "incus_storage_pool" "fast" {
  name        = "fast"
  description = "NVMe mirror: root disks"
  remote      = "nas"
  driver      = "zfs"

  config = {
    source = "rpool/incus/fast"
  }
}
