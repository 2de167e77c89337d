output "linux_reset_flag" {
  description = "The raw os-resetpwd-flag value of the Linux server."
  value       = data.ecs_server_password_reset_flag.linux.flag
}

output "linux_password_reset_at" {
  value = ecs_server_password.linux.last_reset_at
}

output "windows_encrypted_password_available" {
  value = data.ecs_server_windows_password.windows.available
}

output "windows_ciphertext_length" {
  description = "Length of the base64 ciphertext (344 characters for a 2048-bit key); the ciphertext itself stays sensitive."
  value       = nonsensitive(length(data.ecs_server_windows_password.windows.encrypted_password))
}

output "windows_password_reset_at" {
  value = ecs_server_password.windows.last_reset_at
}
