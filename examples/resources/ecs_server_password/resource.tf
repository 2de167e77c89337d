# Resets the root password of a Linux server. The password is stored in the state (marked
# sensitive); prefer password_wo below with Terraform 1.11 or later. The new password takes
# effect the next time the server starts or restarts.
resource "ecs_server_password" "web" {
  server_id = var.web_server_id
  password  = var.web_root_password
}
