variable "web_server_id" {
  type = string
}

variable "web_root_password" {
  type      = string
  sensitive = true
}

variable "db_server_id" {
  type = string
}

variable "db_root_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "app_server_id" {
  type = string
}

variable "app_root_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
