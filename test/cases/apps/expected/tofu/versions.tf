# tofu
terraform {
  # OpenTofu only: state encryption came in 1.7, a variable in its configuration in 1.8.
  required_version = ">= 1.8.0"

  required_providers {
    incus = {
      source  = "lxc/incus"
      version = ">= 1.1.1, < 2.0"
    }
  }

  backend "local" {
    path = "/var/lib/labgen/tofu/terraform.tfstate"
  }

  encryption {
    key_provider "pbkdf2" "state" {
      passphrase = var.state_passphrase
    }

    method "aes_gcm" "state" {
      keys = key_provider.pbkdf2.state
    }

    state {
      method   = method.aes_gcm.state
      enforced = true
    }

    plan {
      method   = method.aes_gcm.state
      enforced = true
    }
  }
}
