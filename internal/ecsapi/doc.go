// Package ecsapi is a small, dependency-light client for the Huawei Cloud
// Elastic Cloud Server (ECS) password APIs: one-click password reset (single
// and batch, through the v1 API or the deprecated v2.1 API), the reset-support flag,
// the encrypted initial Windows password (get and clear) and server details.
// It also looks up IAM project IDs by name.
//
// Requests are authenticated either with an access key / secret key pair
// (SDK-HMAC-SHA256 request signing, optionally with a security token for
// temporary credentials) or with an IAM token. Transient failures such as
// throttling, gateway errors and dropped connections are retried with
// jittered exponential backoff; every other failure is reported as an
// *APIError that carries the HTTP status, the service error code and the
// request ID.
//
// The package knows nothing about Terraform, so it can be exercised directly
// against the simulator in internal/ecssim or a real endpoint.
package ecsapi
