# Checks that the one-click password reset plug-in is present before relying on a reset: the
# reset API accepts the call even when the plug-in is missing, and then nothing happens.
data "ecs_server_password_reset_flag" "web" {
  server_id = var.server_id
}

output "web_reset_supported" {
  value = data.ecs_server_password_reset_flag.web.supported
}
