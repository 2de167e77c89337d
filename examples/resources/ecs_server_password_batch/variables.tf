variable "worker_root_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
