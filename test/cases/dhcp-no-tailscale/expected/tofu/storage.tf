# storage.local
resource "incus_storage_pool" "local" {
  name        = "local"
  description = "The SSD"
  remote      = "mini"
  driver      = "zfs"

  config = {
    source = "rpool/incus/local"
  }
}
