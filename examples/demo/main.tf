# The configuration that `make demo` applies against ecs-simulator. It walks through the whole
# provider: the reset flag, a write-only reset and reboot of a Linux server, the encrypted Windows password
# (data source), its decryption in memory (ephemeral resource), and destroy, which deletes the
# stored Windows password.
terraform {
  # Write-only arguments need Terraform 1.11 (OpenTofu 1.11).
  required_version = ">= 1.11.0"

  required_providers {
    ecs = {
      source = "terraform-provider-ecs/ecs"
    }
  }
}

provider "ecs" {
  region     = var.region
  project_id = var.project_id
  access_key = var.access_key
  secret_key = var.secret_key
  endpoints = {
    ecs = var.endpoint
    iam = var.endpoint
  }
}

# 1. Is one-click reset possible on the Linux server (guest plug-in installed)?
data "ecs_server_password_reset_flag" "linux" {
  server_id = var.linux_server_id
}

# 2. Reset the Linux root password from an ephemeral variable through the write-only argument:
# the password reaches the API but neither the plan nor the state. The server then reboots, so
# that a login accepts the new password when the apply ends.
resource "ecs_server_password" "linux" {
  server_id           = var.linux_server_id
  password_wo         = var.linux_password
  password_wo_version = var.linux_password_version
  restart             = "soft"

  lifecycle {
    precondition {
      condition     = data.ecs_server_password_reset_flag.linux.supported
      error_message = "The Linux server does not support one-click password reset (guest plug-in missing)."
    }
  }
}

# 3. The encrypted initial password of the Windows server (ciphertext only, sensitive).
data "ecs_server_windows_password" "windows" {
  server_id = var.windows_server_id
}

# 4. The same password decrypted in memory with the key pair's private key.
ephemeral "ecs_server_windows_password" "windows" {
  server_id   = var.windows_server_id
  private_key = file(var.private_key_path)
}

# 5. Hand the decrypted password to a write-only argument: resetting the Windows password to its
# own initial value changes nothing for the guest, yet the simulator then holds exactly what the
# ephemeral resource decrypted, which shows the decryption worked without the plaintext ever
# being written to state. Destroying this resource deletes the stored (encrypted) password.
resource "ecs_server_password" "windows" {
  server_id           = var.windows_server_id
  password_wo         = ephemeral.ecs_server_windows_password.windows.password
  password_wo_version = 1

  # Read the ciphertext before the password is deleted by a later destroy.
  depends_on = [data.ecs_server_windows_password.windows]
}
