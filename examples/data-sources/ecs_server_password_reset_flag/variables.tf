variable "server_id" {
  type = string
}

variable "root_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
