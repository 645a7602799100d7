# storage.fast
resource "incus_storage_pool" "fast" {
  name        = "fast"
  description = ""
  remote      = "nas"
  driver      = "zfs"

  config = {
    source = "rpool/incus/fast"
  }
}
