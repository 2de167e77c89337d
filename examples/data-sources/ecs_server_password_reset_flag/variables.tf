variable "server_id" {
  type = string
}
