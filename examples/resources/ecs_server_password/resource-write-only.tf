# Write-only variant (Terraform 1.11+, OpenTofu 1.11+): the password is sent to the API and never
# stored in plan or state. Bump password_wo_version to reset the password again.
resource "ecs_server_password" "db" {
  server_id           = var.db_server_id
  password_wo         = var.db_root_password
  password_wo_version = 1

  # Reboot the server after the reset, so that the new password works when the apply ends.
  restart = "soft"

  # Use the v1 API (enterprise-project grants apply) and keep the stored Windows password on destroy.
  api                        = "v1"
  delete_password_on_destroy = false

  timeouts = {
    create = "5m"
    update = "5m"
  }
}
