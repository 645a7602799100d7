# storage.bulk
resource "incus_storage_pool" "bulk" {
  name        = "bulk"
  description = "raidz2 HDDs"
  remote      = "beta"
  driver      = "zfs"

  config = {
    source = "tank/incus/bulk"
  }
}

# storage.fast
resource "incus_storage_pool" "fast" {
  name        = "fast"
  description = "NVMe mirror"
  remote      = "alpha"
  driver      = "zfs"

  config = {
    source = "rpool/incus/fast"
  }
}

# storage.scratch
resource "incus_storage_pool" "scratch" {
  name        = "scratch"
  description = "Striped HDDs: no redundancy"
  remote      = "gamma"
  driver      = "zfs"

  config = {
    source = "scratch/incus/scratch"
  }
}
