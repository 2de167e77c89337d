# Decrypts the initial Administrator password of a Windows server in memory (Terraform 1.10+,
# OpenTofu 1.11+). The password never reaches plan or state; use it where ephemeral values are
# accepted: provider blocks, write-only arguments, ephemeral outputs and locals.
ephemeral "ecs_server_windows_password" "app" {
  server_id         = var.windows_server_id
  private_key       = file(var.private_key_path)
  wait_for_password = true
  timeouts = {
    open = "15m"
  }
}

# For example, pass it to a module that configures the guest, as an ephemeral input variable.
locals {
  app_admin_password = ephemeral.ecs_server_windows_password.app.password
}
