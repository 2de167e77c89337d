# Reads the encrypted initial Administrator password of a Windows server created with a key pair
# from a Cloudbase-Init image. The ciphertext is kept in state as a sensitive value; decrypting
# it here with rsadecrypt() would put the plaintext in state too. With Terraform 1.10 or later,
# prefer the ephemeral resource ecs_server_windows_password, which decrypts in memory.
data "ecs_server_windows_password" "app" {
  server_id = var.windows_server_id

  # The password appears a few minutes after first boot; wait for it instead of failing.
  wait_for_password = true
  timeouts = {
    read = "15m"
  }
}

output "app_administrator_password" {
  value     = rsadecrypt(data.ecs_server_windows_password.app.encrypted_password, file(var.private_key_path))
  sensitive = true
}
