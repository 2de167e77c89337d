variable "web_server_id" {
  type = string
}

variable "web_root_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "web_password_version" {
  type    = number
  default = 1
}

variable "maintenance_server_ids" {
  type    = list(string)
  default = []
}
