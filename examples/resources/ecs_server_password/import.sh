# The import ID is the server ID. The password is not read back: set password_wo and
# password_wo_version (or password) in the configuration; the next apply resets the password.
terraform import ecs_server_password.web 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
