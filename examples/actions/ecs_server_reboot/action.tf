# Terraform 1.14 or later. A reset password takes effect when the server boots: this action reboots
# the server after every change of its password, so the new password works when the apply ends.
action "ecs_server_reboot" "web" {
  config {
    server_ids = [var.web_server_id]
  }
}

resource "ecs_server_password" "web" {
  server_id           = var.web_server_id
  password_wo         = var.web_root_password
  password_wo_version = var.web_password_version

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.ecs_server_reboot.web]
    }
  }
}

# Run on demand, with nothing else planned:
#   terraform apply -invoke=action.ecs_server_reboot.maintenance
action "ecs_server_reboot" "maintenance" {
  config {
    server_ids = var.maintenance_server_ids
    type       = "hard"
    timeout    = "30m"
  }
}
