# Rotating a fleet: discovery with ecs_servers, one password for all through the batch resource,
# and the for_each alternative for one password per server.
data "ecs_servers" "web" {
  name_regex = "^web-"
  tags       = { env = "prod" }
}

# One password for every web server: one API call per 1,000 servers.
resource "ecs_server_password_batch" "web" {
  server_ids          = data.ecs_servers.web.ids
  password_wo         = var.web_password
  password_wo_version = var.web_password_version
  restart             = "soft"
}

# One password per server: one resource (two API calls) per server.
resource "ecs_server_password" "db" {
  # The server IDs are not secret; only the passwords are.
  for_each = nonsensitive(toset(keys(var.db_passwords)))

  server_id           = each.key
  password_wo         = var.db_passwords[each.key]
  password_wo_version = var.db_password_version
  restart             = "soft"
}
