import {
  to = ecs_server_password.app
  id = var.app_server_id
}

resource "ecs_server_password" "app" {
  server_id           = var.app_server_id
  password_wo         = var.app_root_password
  password_wo_version = 1
}
