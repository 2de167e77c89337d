variable "enterprise_project_id" {
  type    = string
  default = "0"
}
