terraform {
  required_providers {
    ecs = {
      source = "terraform-provider-ecs/ecs"
    }
  }
}

# Credentials are best left to the environment (HW_ACCESS_KEY, HW_SECRET_KEY and, for temporary
# credentials, HW_SECURITY_TOKEN) so they never appear in configuration files.
provider "ecs" {
  region = "cn-north-4"
  # project_id is looked up from the region through IAM when omitted.
}

# A second configuration, for example against a private cloud or against ecs-simulator.
provider "ecs" {
  alias      = "simulator"
  region     = "cn-north-4"
  project_id = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
  access_key = "ECSSIMACCESSKEY00001"
  secret_key = var.simulator_secret_key
  endpoints = {
    ecs = "http://127.0.0.1:8089"
    iam = "http://127.0.0.1:8089"
  }
}

# Ephemeral (Terraform 1.10+, OpenTofu 1.11+): the value stays out of saved plan files.
variable "simulator_secret_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
