# Every running web server of the production enterprise project, by name pattern and tag.
data "ecs_servers" "web" {
  name_regex            = "^web-[0-9]+$"
  status                = "ACTIVE"
  tags                  = { env = "prod" }
  enterprise_project_id = var.enterprise_project_id
}

output "web_server_ids" {
  value = data.ecs_servers.web.ids
}

output "web_server_names" {
  value = [for s in data.ecs_servers.web.servers : s.name]
}
