variable "windows_server_id" {
  type = string
}

variable "private_key_path" {
  type        = string
  description = "Path of the PEM private key of the key pair the server was created with."
}
