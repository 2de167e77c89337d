terraform {
  required_providers {
    ecs = {
      source = "terraform-provider-ecs/ecs"
    }
  }
}
