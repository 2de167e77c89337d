# Terraform 1.14 or later. A break-glass reset of servers that no ecs_server_password manages,
# leaving nothing in the state; give the password through an ephemeral variable:
#   terraform apply -invoke=action.ecs_server_password_reset.emergency -var='emergency_password=…'
action "ecs_server_password_reset" "emergency" {
  config {
    server_ids  = var.compromised_server_ids
    password_wo = var.emergency_password

    # Reboot the running servers so that the new password works when the apply ends.
    restart = "soft"
  }
}
