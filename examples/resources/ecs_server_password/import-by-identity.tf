# Terraform 1.12 or later, OpenTofu 1.12 or later. region and project_id may be added; when given,
# they must be the provider's.
import {
  to = ecs_server_password.db
  identity = {
    server_id = var.db_server_id
  }
}
