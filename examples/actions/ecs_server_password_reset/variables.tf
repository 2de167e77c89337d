variable "compromised_server_ids" {
  type = list(string)
}

# Ephemeral: Terraform keeps the value out of the plan, which records an action's configuration
# without its ephemeral values.
variable "emergency_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
