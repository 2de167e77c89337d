# Checks that the one-click password reset plug-in is present before relying on a reset: the
# reset API accepts the call even when the plug-in is missing, and then nothing happens.
data "ecs_server_password_reset_flag" "web" {
  server_id = var.server_id
}

output "web_reset_supported" {
  value = data.ecs_server_password_reset_flag.web.supported
}

# Stop the plan before any reset is attempted. (The resource also checks the flag itself when it
# resets, unless verify_reset_support = false.)
resource "ecs_server_password" "web" {
  server_id           = var.server_id
  password_wo         = var.root_password
  password_wo_version = 1

  lifecycle {
    precondition {
      condition     = data.ecs_server_password_reset_flag.web.supported
      error_message = "The server lacks the password reset plug-in (reset flag ${data.ecs_server_password_reset_flag.web.flag})."
    }
  }
}
