# One root password for a whole fleet, found by tag: one batch call per 1,000 servers, then one
# reboot job per 1,000 servers so that the password works when the apply ends.
data "ecs_servers" "batch" {
  tags = { role = "batch-worker" }
}

resource "ecs_server_password_batch" "workers" {
  server_ids          = data.ecs_servers.batch.ids
  password_wo         = var.worker_root_password
  password_wo_version = 1
  restart             = "soft"

  timeouts = {
    create = "45m"
    update = "45m"
  }
}
