variable "web_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "web_password_version" {
  type    = number
  default = 1
}

# Server ID => password. for_each needs the keys at plan time, so the map is sensitive rather
# than ephemeral; the passwords still reach only the write-only argument.
variable "db_passwords" {
  type      = map(string)
  sensitive = true
}

variable "db_password_version" {
  type    = number
  default = 1
}
