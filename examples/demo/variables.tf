variable "endpoint" {
  type        = string
  description = "Base URL of ecs-simulator (or of an ECS/IAM endpoint pair behind one host)."
  default     = "http://127.0.0.1:8089"
}

variable "region" {
  type    = string
  default = "cn-north-4"
}

variable "project_id" {
  type    = string
  default = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
}

variable "access_key" {
  type    = string
  default = "ECSSIMACCESSKEY00001"
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "linux_server_id" {
  type = string
}

variable "windows_server_id" {
  type = string
}

variable "private_key_path" {
  type        = string
  description = "PEM private key of the key pair the Windows server was created with."
}

variable "linux_password" {
  type        = string
  description = "New root password for the Linux server; ephemeral, so it is never stored."
  sensitive   = true
  ephemeral   = true
}

variable "linux_password_version" {
  type        = number
  description = "Bump to reset the Linux password again."
  default     = 1
}
